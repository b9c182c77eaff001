"""The report model handed to every writer: one shape for the auditor and the prober."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from apishield.findings import Finding, Rule, Severity

Tool = Literal["audit", "probe"]


@dataclass(slots=True)
class Report:
    """Everything a writer needs. ``rules`` lists the rules that ran (for SARIF's rule table)."""

    tool: Tool
    target: str
    findings: list[Finding]
    rules: list[Rule] = field(default_factory=list)
    routes: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    score: int | None = None
    score_explanation: list[str] = field(default_factory=list)
    requests_used: int | None = None
    seconds: float | None = None
    budget_shares: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    coverage: dict[str, Any] = field(default_factory=dict)  # the prober's coverage accounting (empty: none)
    notes: list[str] = field(default_factory=list)  # explanatory notes shown in every format

    @property
    def status(self) -> str | None:
        """``complete`` / ``incomplete`` when coverage was measured, else None."""
        if not self.coverage:
            return None
        return "complete" if self.coverage.get("complete") else "incomplete"

    def coverage_lines(self) -> list[str]:
        """Coverage as plain lines (shared by the text, HTML and JUnit writers)."""
        cov = self.coverage
        if not cov:
            return []
        units = cov.get("units", {})
        head = (f"coverage {float(cov.get('ratio', 0)):.0%}: {units.get('ran', 0)} of {units.get('counted', 0)} "
                f"(check, operation) units ran, {units.get('skipped', 0)} skipped, {units.get('inconclusive', 0)} "
                f"inconclusive (a score needs {float(cov.get('threshold', 0)):.0%} and every check tested) — "
                f"{self.status}")
        lines = [head]
        for name, row in (cov.get("checks") or {}).items():
            reasons = "; ".join(f"{r} (x{n})" for r, n in (row.get("reasons") or {}).items())
            lines.append(f"{name}: ran {row.get('ran', 0)}, skipped {row.get('skipped', 0)}, inconclusive "
                         f"{row.get('inconclusive', 0)}, n/a {row.get('n/a', 0)}"
                         + (f" — {reasons}" if reasons else ""))
        return lines

    def sorted_findings(self) -> list[Finding]:
        """Most severe first, then by place, so every writer lists findings in the same order."""

        def key(f: Finding) -> tuple[int, str, int, str]:
            where = f.location.path if f.location else (f.http_path or "")
            line = f.location.line if f.location else 0
            return (-int(f.severity), where, line, f.rule_id)

        return sorted(self.findings, key=key)

    def severity_counts(self) -> dict[str, int]:
        counts = Counter(f.severity for f in self.findings)
        return {sev.label: counts.get(sev, 0) for sev in sorted(Severity, reverse=True)}

    def rules_by_id(self) -> dict[str, Rule]:
        """Rules that ran plus any rule only known through a finding (kept in first-seen order)."""
        table: dict[str, Rule] = {r.id: r for r in self.rules}
        for f in self.findings:
            if f.rule_id not in table:
                table[f.rule_id] = Rule(
                    id=f.rule_id,
                    title=f.title,
                    cwe=f.cwe,
                    owasp=f.owasp,
                    severity=f.severity,
                    confidence=f.confidence,
                    fix=f.fix,
                )
        return table


__all__ = ["Report", "Tool"]
