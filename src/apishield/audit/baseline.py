"""Baseline files: the fingerprints of accepted findings, so CI reports only new ones.

The fingerprint (:meth:`apishield.findings.Finding.fingerprint`) hashes the rule, file, source line text and
message, not the line number, so findings survive unrelated edits that move them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from apishield.errors import ConfigError
from apishield.findings import Finding

VERSION = 1


def load(path: str) -> set[str]:
    """Fingerprints stored in ``path``; :class:`~apishield.errors.ConfigError` when the file is not a baseline."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"baseline {path} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("fingerprints"), list):
        raise ConfigError(f"baseline {path} has no 'fingerprints' list: it is not a file the audit wrote as a baseline")
    return {str(fp) for fp in data["fingerprints"]}


def dump(findings: Iterable[Finding]) -> str:
    entries = sorted({f.fingerprint() for f in findings})
    return json.dumps({"version": VERSION, "tool": "apishield audit", "fingerprints": entries}, indent=2) + "\n"


def write(path: str, findings: Iterable[Finding]) -> int:
    """Write the baseline; returns how many fingerprints it holds."""
    items = list(findings)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(dump(items))
    return len({f.fingerprint() for f in items})


def new_only(findings: list[Finding], known: set[str]) -> list[Finding]:
    return [f for f in findings if f.fingerprint() not in known]


__all__ = ["dump", "load", "new_only", "write"]
