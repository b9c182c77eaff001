"""Inline suppressions: ``# apishield: ignore[AS301] reason`` on the finding's line or the line above.

``# apishield: ignore`` without a rule list silences every rule on that line. Templates use the same text in
their own comment syntax (``{# apishield: ignore[AS402] trusted #}``, ``<!-- apishield: ignore[AS402] -->``).
"""

from __future__ import annotations

import re

from apishield.findings import Finding

_MARKER = re.compile(r"apishield:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?", re.IGNORECASE)
ALL = "*"


def suppressions(lines: list[str]) -> dict[int, set[str]]:
    """Line number (1-based) -> rule ids silenced there (``{"*"}`` for all)."""
    table: dict[int, set[str]] = {}
    for number, text in enumerate(lines, start=1):
        match = _MARKER.search(text)
        if match is None:
            continue
        ids = {part.strip().upper() for part in (match.group(1) or "").split(",") if part.strip()} or {ALL}
        table.setdefault(number, set()).update(ids)
        # a comment alone on its line also covers the next line
        stripped = text.strip()
        if stripped.startswith(("#", "{#", "<!--", "%#")):
            table.setdefault(number + 1, set()).update(ids)
    return table


def is_suppressed(finding: Finding, table: dict[int, set[str]]) -> bool:
    if finding.location is None or not table:
        return False
    first = finding.location.line
    last = max(first, finding.location.end_line or first)
    for line in range(first, min(last, first + 50) + 1):
        ids = table.get(line)
        if ids and (ALL in ids or finding.rule_id.upper() in ids):
            return True
    return False


__all__ = ["is_suppressed", "suppressions"]
