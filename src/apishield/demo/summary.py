"""The demo's verdict, as pure functions over reports: counts by severity, a score, and the expectations.

Expectations: every vulnerable twin has at least one high-or-critical finding from the auditor *and* from
the prober; the Secure Task API has no medium-or-higher finding from either; and every probe run is
complete (enough of its (check, operation) units ran). Anything else fails the demo. An incomplete probe run
gets no score at all: a report of what was not tested is never read as a clean bill of health.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from apishield.findings import Finding, Severity
from apishield.reports.model import Report

LEVELS: tuple[Severity, ...] = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
_WEIGHTS = {Severity.CRITICAL: 25, Severity.HIGH: 10, Severity.MEDIUM: 4, Severity.LOW: 1, Severity.INFO: 0}


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    """Findings per severity label, most severe first (every level present)."""
    out = {level.label: 0 for level in LEVELS}
    for finding in findings:
        out[finding.severity.label] += 1
    return out


def fallback_score(findings: Sequence[Finding]) -> int:
    """0-100 when a report carries no score of its own: 100 minus weighted findings (once per rule)."""
    worst: dict[str, Severity] = {}
    for finding in findings:
        worst[finding.rule_id] = max(worst.get(finding.rule_id, Severity.INFO), finding.severity)
    return max(0, 100 - sum(_WEIGHTS[s] for s in worst.values()))


def worst(findings: Sequence[Finding]) -> Severity | None:
    return max((f.severity for f in findings), default=None)


@dataclass(slots=True)
class AppSummary:
    name: str
    kind: str
    framework: str
    audit: dict[str, int] | None
    probe: dict[str, int] | None
    score: int | None
    ok: bool
    reasons: list[str] = field(default_factory=list)
    probe_requests: int | None = None
    probe_seconds: float | None = None
    planted: tuple[int, int] | None = None  # (found, total) for the twins


def summarize(name: str, kind: str, framework: str, audit: Report | None, probe: Report | None,
              errors: Sequence[str] = (), skipped: Sequence[str] = ()) -> AppSummary:
    """One row of the table, with whether the app met its expectation and why not (skipped tools aside)."""
    reasons = list(errors)
    score = None
    incomplete = probe is not None and probe.status == "incomplete"
    if incomplete and probe is not None:
        reasons.append(incomplete_reason(probe))
    elif probe is not None:
        score = probe.score if probe.score is not None else fallback_score(probe.findings)
    elif audit is not None:
        score = fallback_score(audit.findings)
    for tool, report in (("audit", audit), ("probe", probe)):
        if report is None:
            if tool not in skipped and not any(e.startswith(f"{tool}:") for e in errors):
                reasons.append(f"{tool} did not run")
            continue
        top = worst(report.findings)
        if kind == "secure" and top is not None and top >= Severity.MEDIUM:
            bad = [f for f in report.findings if f.severity >= Severity.MEDIUM]
            rules = ", ".join(sorted({f.rule_id for f in bad}))
            reasons.append(f"{tool}: {len(bad)} medium-or-higher finding(s) ({rules})")
        if kind == "twin" and (top is None or top < Severity.HIGH):
            reasons.append(f"{tool}: no high-or-critical finding on a deliberately vulnerable app")
    return AppSummary(
        name=name, kind=kind, framework=framework,
        audit=None if audit is None else counts(audit.findings),
        probe=None if probe is None else counts(probe.findings),
        score=score, ok=not reasons, reasons=reasons,
        probe_requests=None if probe is None else probe.requests_used,
        probe_seconds=None if probe is None else probe.seconds,
    )


def incomplete_reason(probe: Report) -> str:
    """``probe: incomplete run (30 % of units ran < 80 %): <why>`` from the report's coverage document."""
    cov = probe.coverage
    ratio = cov.get("ratio")
    threshold = cov.get("threshold")
    share = ""
    if isinstance(ratio, int | float) and isinstance(threshold, int | float):
        share = f" ({ratio:.0%} of units ran, {threshold:.0%} needed)"
    why = "; ".join(str(w) for w in cov.get("why_incomplete") or []) or "coverage below the threshold"
    return f"probe: incomplete run{share}: {why}"


def format_counts(values: dict[str, int] | None) -> str:
    """``"2C 5H 3M 1L 0I"``-style compact counts, or ``"n/a"``."""
    if values is None:
        return "n/a"
    return " ".join(f"{values[level.label]}{level.label[0].upper()}" for level in LEVELS)
