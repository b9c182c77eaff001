"""A self-contained HTML report: summary chart (inline SVG), score and its explanation, every finding with
its evidence or code excerpt and fix. Everything interpolated is escaped; no scripts, no external assets."""

from __future__ import annotations

from html import escape

from apishield._version import __version__
from apishield.findings import Finding, Severity
from apishield.reports.model import Report

COLORS = {
    "critical": "#7f1d1d",
    "high": "#dc2626",
    "medium": "#d97706",
    "low": "#0891b2",
    "info": "#6b7280",
}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:70rem;color:#111;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
.sev{display:inline-block;padding:.1rem .5rem;border-radius:.3rem;color:#fff;font-size:.8rem;font-weight:600}
.finding{border:1px solid #ddd;border-radius:.4rem;padding:.8rem 1rem;margin:.8rem 0}
.meta{color:#555;font-size:.85rem}pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;font-size:.8rem;
white-space:pre-wrap;word-break:break-all}.fix{background:#ecfdf5;border-left:3px solid #059669;padding:.4rem .8rem}
table{border-collapse:collapse}td,th{padding:.2rem .8rem;text-align:left;border-bottom:1px solid #eee}
.score{font-size:2.5rem;font-weight:700}
"""


def _chart(counts: dict[str, int]) -> str:
    top = max([*counts.values(), 1])
    bar_w, gap, height, pad = 70, 20, 160, 22  # pad: room above the tallest bar for its count
    width = len(counts) * (bar_w + gap) + gap
    parts = [f'<svg role="img" aria-label="findings by severity" width="{width}" height="{pad + height + 30}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for i, (label, count) in enumerate(counts.items()):
        h = int(height * count / top)
        x = gap + i * (bar_w + gap)
        y = pad + height - h
        parts.append(f'<rect x="{x}" y="{y}" width="{bar_w}" height="{h}" fill="{COLORS[label]}"/>')
        parts.append(f'<text x="{x + bar_w / 2}" y="{y - 6}" text-anchor="middle" font-size="13">{count}</text>')
        parts.append(f'<text x="{x + bar_w / 2}" y="{pad + height + 20}" text-anchor="middle" '
                     f'font-size="12">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _finding(finding: Finding) -> str:
    sev = finding.severity.label
    cwe = finding.cwe_text
    where = finding.where
    out = [
        '<div class="finding">',
        f'<span class="sev" style="background:{COLORS[sev]}">{escape(sev)}</span> '
        f"<strong>{escape(finding.rule_id)} {escape(finding.title)}</strong>",
        f'<div class="meta">{escape(where)} · {escape(cwe)} · {escape(finding.owasp)} · confidence '
        f"{escape(finding.confidence.label)}</div>",
        f"<p>{escape(finding.message)}</p>",
    ]
    if finding.location is not None and finding.location.snippet:
        out.append(f"<pre>{escape(finding.location.snippet)}</pre>")
    if finding.evidence is not None:
        out.append("<details open><summary>Evidence</summary>")
        out.append(f"<p>Request</p><pre>{escape(finding.evidence.request)}</pre>")
        out.append(f"<p>Response (excerpt)</p><pre>{escape(finding.evidence.response)}</pre>")
        out.append(f"<p>Reproduce</p><pre>{escape(finding.evidence.curl)}</pre></details>")
    if finding.fix:
        out.append(f'<div class="fix"><strong>Fix.</strong> {escape(finding.fix)}</div>')
    out.append("</div>")
    return "\n".join(out)


def render_html(report: Report) -> str:
    counts = report.severity_counts()
    findings = report.sorted_findings()
    head = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>apishield {escape(report.tool)} — {escape(report.target)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>apishield {escape(report.tool)} report</h1>",
        f'<p class="meta">Target: {escape(report.target)} · apishield {escape(__version__)}</p>',
    ]
    body: list[str] = ["<h2>Summary</h2>", _chart(counts)]
    facts: list[tuple[str, str]] = [("findings", str(len(findings)))]
    if report.requests_used is not None:
        facts.append(("requests used", str(report.requests_used)))
    if report.seconds is not None:
        facts.append(("seconds", f"{report.seconds:.1f}"))
    for key, value in report.stats.items():
        if isinstance(value, (int, float, str)):
            facts.append((key, str(value)))
    body.append("<table>" + "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
                + "</table>")
    if report.score is not None or report.status == "incomplete":
        shown = f"{report.score}/100" if report.score is not None else "incomplete"
        body.append(f'<h2>Score</h2><p class="score">{shown}</p>')
        if report.score_explanation:
            body.append("<ul>" + "".join(f"<li>{escape(x)}</li>" for x in report.score_explanation) + "</ul>")
    if report.coverage:
        cov = report.coverage_lines()
        body.append(f"<h2>Coverage: {escape(str(report.status))}</h2><p>{escape(cov[0])}</p>")
        body.append("<table><tr><th>check</th><th>ran</th><th>skipped</th><th>inconclusive</th><th>n/a</th>"
                    "<th>why not</th></tr>")
        for name, row in (report.coverage.get("checks") or {}).items():
            why = "; ".join(f"{r} (x{n})" for r, n in (row.get("reasons") or {}).items())
            body.append(f"<tr><th>{escape(name)}</th>" + "".join(
                f"<td>{int(row.get(k, 0))}</td>" for k in ("ran", "skipped", "inconclusive", "n/a"))
                + f"<td>{escape(why)}</td></tr>")
        body.append("</table>")
    if report.notes:
        body.append("<h2>Notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in report.notes) + "</ul>")
    if report.budget_shares:
        body.append("<h2>Requests per check</h2><table>" + "".join(
            f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in report.budget_shares.items()) + "</table>")
    body.append("<h2>Findings</h2>")
    if not findings:
        body.append("<p>No findings.</p>")
    for severity in sorted(Severity, reverse=True):
        group = [f for f in findings if f.severity == severity]
        if group:
            body.append(f"<h3>{escape(severity.label.capitalize())} ({len(group)})</h3>")
            body.extend(_finding(f) for f in group)
    if report.routes:
        body.append("<h2>Routes</h2><table><tr><th>method</th><th>path</th><th>handler</th><th>where</th></tr>")
        for route in report.routes:
            methods = route.get("methods") or route.get("method") or ""
            if isinstance(methods, list):
                methods = ",".join(str(m) for m in methods)
            where = f"{route.get('file', route.get('path_file', ''))}:{route.get('line', '')}"
            body.append(f"<tr><td>{escape(str(methods))}</td><td>{escape(str(route.get('path', '')))}</td>"
                        f"<td>{escape(str(route.get('handler', '')))}</td><td>{escape(where)}</td></tr>")
        body.append("</table>")
    return "\n".join([*head, *body, "</body></html>"]) + "\n"


__all__ = ["render_html"]
