"""Which of a vulnerable twin's planted weaknesses (its ``weaknesses.json``) the auditor or the prober found.

A weakness counts as found when the auditor reports one of its audit rules at a marked line (give or take
``LINE_TOLERANCE``; anywhere in the twin for weaknesses that are an absence, ``match: app``) or the prober
reports one of its probe rules anywhere on the running twin.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apishield.errors import ConfigError
from apishield.findings import Finding

LINE_TOLERANCE = 3


@dataclass(frozen=True, slots=True)
class Coverage:
    found: tuple[str, ...]
    missed: tuple[str, ...]

    @property
    def total(self) -> int:
        return len(self.found) + len(self.missed)


def load(path: Path) -> list[Mapping[str, Any]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    items = doc.get("weaknesses") if isinstance(doc, Mapping) else None
    if not isinstance(items, list):
        raise ConfigError(f"{path}: no 'weaknesses' list")
    return [item for item in items if isinstance(item, Mapping)]


def _audit_hit(weakness: Mapping[str, Any], finding: Finding) -> bool:
    if finding.rule_id not in weakness.get("audit", ()) or finding.location is None:
        return False
    if weakness.get("match") == "app":
        return True
    return any(finding.location.path.endswith(str(where["file"]))
               and abs(finding.location.line - int(where["line"])) <= LINE_TOLERANCE
               for where in weakness.get("where", ()))


def coverage(weaknesses: Sequence[Mapping[str, Any]], audit: Sequence[Finding],
             probe: Sequence[Finding]) -> Coverage:
    found: list[str] = []
    missed: list[str] = []
    for weakness in weaknesses:
        hit = any(_audit_hit(weakness, f) for f in audit) or any(
            f.rule_id in weakness.get("probe", ()) for f in probe)
        (found if hit else missed).append(str(weakness["id"]))
    return Coverage(tuple(found), tuple(missed))
