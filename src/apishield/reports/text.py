"""Terminal report (rich): findings grouped by severity, with the code excerpt or HTTP evidence and the fix."""

from __future__ import annotations

import io

from apishield.findings import Finding, Severity
from apishield.reports.model import Report

STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def escape(text: str) -> str:
    """Rich markup escaped (rich is imported when a text report is written: JSON and SARIF runs skip it)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def _finding_block(finding: Finding) -> str:
    parts: list[str] = []
    cwe = finding.cwe_text
    parts.append(
        f"[bold]{escape(finding.rule_id)}[/] {escape(finding.title)}  [dim]{escape(finding.where)}[/]"
        f"  [dim]({cwe}; {escape(finding.owasp)}; confidence {finding.confidence.label})[/]"
    )
    parts.append(f"  {escape(finding.message)}")
    if finding.location is not None and finding.location.snippet:
        for line in finding.location.snippet.rstrip().splitlines()[:4]:
            parts.append(f"  [dim]│[/] {escape(line)}")
    if finding.evidence is not None:
        first = finding.evidence.request.splitlines()[0] if finding.evidence.request else ""
        parts.append(f"  [dim]request:[/] {escape(first)}")
        parts.append(f"  [dim]reproduce:[/] {escape(finding.evidence.curl)}")
    if finding.fix:
        parts.append(f"  [green]fix:[/] {escape(finding.fix.splitlines()[0])}")
    return "\n".join(parts)


def render_text(report: Report, *, width: int = 110, color: bool = False) -> str:
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False)
    findings = report.sorted_findings()
    console.print(f"[bold]apishield {report.tool}[/] — {escape(report.target)}")
    for severity in sorted(Severity, reverse=True):
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        console.rule(f"[{STYLE[severity]}]{severity.label.upper()} ({len(group)})[/]", align="left")
        for finding in group:
            console.print(_finding_block(finding))
            console.print()
    summary = Table(show_header=True, header_style="bold", box=None)
    for sev in sorted(Severity, reverse=True):
        summary.add_column(sev.label, justify="right")
    counts = report.severity_counts()
    summary.add_row(*(str(counts[s.label]) for s in sorted(Severity, reverse=True)))
    lines = [f"{len(findings)} finding(s)"]
    if report.score is not None:
        lines.append(f"score {report.score}/100")
    elif report.status == "incomplete":
        lines.append("INCOMPLETE: no score")
    if report.requests_used is not None:
        lines.append(f"{report.requests_used} request(s)")
    if report.seconds is not None:
        lines.append(f"{report.seconds:.1f} s")
    for key in ("files", "routes", "templates"):
        if key in report.stats:
            lines.append(f"{report.stats[key]} {key}")
    console.print(Panel(summary, title="summary", expand=False))
    console.print(" · ".join(lines))
    for line in report.score_explanation:
        console.print(f"  [dim]{escape(line)}[/]")
    cov = report.coverage_lines()
    if cov:
        style = "green" if report.status == "complete" else "bold yellow"
        console.print(f"[{style}]{escape(cov[0])}[/]")
        for line in cov[1:]:
            console.print(f"  [dim]{escape(line)}[/]")
    if report.notes:
        console.print("notes:")
        for note in report.notes:
            console.print(f"  - {escape(note)}")
    return buffer.getvalue()


__all__ = ["render_text"]
