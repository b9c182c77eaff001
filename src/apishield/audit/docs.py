"""Documentation generated from the one rule table: the README rule reference and per-rule pages.

python -c "from apishield.audit.docs import rule_table; print(rule_table())"
"""

from __future__ import annotations

import inspect

from apishield.audit.engine import load_rules
from apishield.audit.rules.registry import all_rules


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rule_table() -> str:
    """A Markdown table of every audit rule: id, title, severity, confidence, CWE (primary first), OWASP."""
    load_rules()
    rows = ["| id | title | severity | confidence | CWE | OWASP API 2023 |", "|---|---|---|---|---|---|"]
    for registered in all_rules():
        rule = registered.rule
        cwes = ", ".join(f"CWE-{c}" for c in rule.cwe)
        rows.append(
            f"| {rule.id} | {_cell(rule.title)} | {rule.severity.label} | {rule.confidence.label} | {cwes} | "
            f"{rule.owasp} |"
        )
    return "\n".join(rows) + "\n"


def rule_reference() -> str:
    """One Markdown section per rule: the check's docstring (what it detects), then the fix."""
    load_rules()
    parts: list[str] = []
    for registered in all_rules():
        rule = registered.rule
        parts.append(f"### {rule.id} — {rule.title}\n")
        parts.append(inspect.cleandoc(registered.doc) + "\n")
        if rule.fix:
            fixes = "\n".join(f"- {line}" for line in rule.fix.splitlines())
            parts.append(f"**Fix**\n\n{fixes}\n")
    return "\n".join(parts)


__all__ = ["rule_reference", "rule_table"]
