"""``apishield probe BASE_URL``: the command line of the prober."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from apishield.findings import Severity
from apishield.probe.engine import ProbeOptions, ProbeResult
from apishield.probe.export import apply_suppressions, load_suppressions, write_har
from apishield.probe.identities import parse_login
from apishield.probe.runner import ProbeConfig, probe
from apishield.probe.score import score

FORMATS = ("text", "json", "sarif", "junit", "html")
EXIT_FINDINGS = 1
EXIT_INCOMPLETE = 4  # coverage below --min-coverage: no score, and failing under --fail-on


def _csv(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(",") if t.strip())


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("probe", help="test a running API as an attacker would, safely, with proof",
                              description="Probe a running API: authentication, JWT, BOLA/BFLA, mass assignment, "
                              "injection, CORS, rate limits, ReDoS, headers and errors. Safe by default.")
    p.add_argument("base_url", nargs="?", help="the API's base URL (the only origin the probe talks to)")
    p.add_argument("--list-rules", action="store_true", help="print the check and rule table (Markdown) and exit")
    p.add_argument("--openapi", metavar="FILE|URL", help="OpenAPI 3.0/3.1 or Swagger 2.0 (file, or URL on the target)")
    p.add_argument("--routes-from", metavar="PATH", help="the auditor's route inventory JSON (or a source directory)")
    p.add_argument("--auth", action="append", default=[], metavar="NAME=HEADER:VALUE",
                   help="an identity (repeat; two are needed for BOLA)")
    p.add_argument("--login", nargs=2, metavar=("METHOD", "PATH"), help="login recipe, e.g. --login POST /login")
    p.add_argument("--body", action="append", default=[], metavar="JSON", help="login body (one per identity)")
    p.add_argument("--token-path", default="",
                   help="dotted path of the token in the login answer, or header:NAME for a response header")
    p.add_argument("--token-header", default="Authorization: Bearer {token}", help="how to send the token")
    p.add_argument("--login-encoding", choices=("json", "form", "basic"), default="json",
                   help="how the login sends --body: JSON, a form, or an Authorization: Basic header (default json)")
    p.add_argument("--no-provision", action="store_true", help="never register throwaway accounts")
    p.add_argument("--admin", action="append", default=[], metavar="NAME", help="identity that is an admin")
    p.add_argument("--budget", type=int, default=2000, help="maximum requests in total (default 2000)")
    p.add_argument("--rate", type=float, default=20.0, help="maximum requests per second (0: no cap; default 20)")
    p.add_argument("--timeout", type=float, default=10.0, help="per-request timeout in seconds (default 10)")
    p.add_argument("--max-body", type=int, default=512 * 1024, help="response size cap in bytes")
    p.add_argument("--concurrency", type=int, default=4, help="requests in flight at most (default 4)")
    p.add_argument("--seed", type=int, default=0, help="seed for generated values (runs are reproducible)")
    p.add_argument("--allow-destructive", action="store_true",
                   help="allow DELETE/PUT/PATCH on foreign objects and destructive-looking operations")
    p.add_argument("--checks", type=_csv, default=(), help="comma-separated checks to run (default all)")
    p.add_argument("--skip", type=_csv, default=(), help="comma-separated checks to skip")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    p.add_argument("--fail-on", default="high", metavar="SEVERITY",
                   help="exit 1 when a finding is at least this severe (info..critical, or 'never')")
    p.add_argument("--allow-incomplete", action="store_true",
                   help="do not fail (exit 4) when coverage is below --min-coverage")
    p.add_argument("--min-coverage", type=float, default=0.8, metavar="RATIO",
                   help="share of (check, operation) units that must run for a score (default 0.8)")
    p.add_argument("--max-wait", type=float, default=30.0, metavar="SECONDS",
                   help="seconds in total the probe may wait when the target asks it to slow down, and again for "
                        "a target restarting after a crash (default 30)")
    p.add_argument("--proxy", metavar="URL", help="send every request through this proxy (e.g. Burp or ZAP)")
    p.add_argument("--har", metavar="FILE", help="write every request and answer (secrets redacted) as HAR 1.2")
    p.add_argument("--suppress", metavar="FILE",
                   help="intended findings to drop: lines 'RULE [METHOD PATH-GLOB] # reason'")
    p.add_argument("--baseline-url", metavar="URL", help="a fixed build: drop findings that also appear there")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _config(args: argparse.Namespace, base_url: str) -> ProbeConfig:
    login = parse_login(args.login, args.body, args.token_path, args.token_header,
                        args.login_encoding) if args.login else None
    options = ProbeOptions(budget=args.budget, rate=args.rate, timeout=args.timeout, max_body=args.max_body,
                           concurrency=args.concurrency, seed=args.seed, allow_destructive=args.allow_destructive,
                           checks=args.checks, skip=args.skip, admin_identities=tuple(args.admin),
                           min_coverage=args.min_coverage, max_wait=args.max_wait, proxy=args.proxy)
    return ProbeConfig(base_url=base_url, openapi=args.openapi, routes_from=args.routes_from, auth=tuple(args.auth),
                       login=login, provision=not args.no_provision, options=options)


class _Progress:
    """A rich progress bar on stderr fed by the engine's events."""

    def __init__(self, budget: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=True)
        self.task = self.bar.add_task("setup", total=budget)

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        if event == "request":
            self.bar.advance(self.task)
        elif event == "check.start":
            self.bar.update(self.task, description=str(data["check"]))


def run(args: argparse.Namespace) -> int:
    if args.list_rules:
        sys.stdout.write(rule_table())
        return 0
    if not args.base_url:
        raise ValueError("give the API's base URL (or --list-rules)")
    if not 0.0 <= args.min_coverage <= 1.0:
        raise ValueError("--min-coverage must be between 0 and 1")
    fail_on = None if args.fail_on == "never" else Severity.parse(args.fail_on)
    suppressions = load_suppressions(args.suppress) if args.suppress else []
    config = _config(args, args.base_url)
    progress = _Progress(args.budget) if not args.no_progress and sys.stderr.isatty() else None
    listeners = [progress] if progress else []
    if progress:
        progress.bar.start()
    try:
        result = asyncio.run(probe(config, listeners))
        suppressed = 0
        if args.baseline_url:
            base = asyncio.run(probe(_config(args, args.baseline_url)))
            known = {(f.rule_id, f.method, f.http_path, f.parameter) for f in base.findings}
            kept = [f for f in result.findings if (f.rule_id, f.method, f.http_path, f.parameter) not in known]
            suppressed = len(result.findings) - len(kept)
            result.findings = kept
            result.requests_used += base.requests_used
            result.notes.append(f"baseline {args.baseline_url}: {suppressed} finding(s) also present there, dropped")
    finally:
        if progress:
            progress.bar.stop()
    if suppressions:
        result.findings, dropped = apply_suppressions(result.findings, suppressions)
        if dropped:
            result.notes.append(f"suppressed {len(dropped)} finding(s) listed in {args.suppress}: "
                                + "; ".join(dropped[:10]))
    if args.har:
        write_har(args.har, result)
    text = render_result(result, args.base_url, args.format)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    if fail_on is not None and any(f.severity >= fail_on for f in result.findings):
        return EXIT_FINDINGS
    if not result.complete:
        why = "; ".join(result.coverage.get("why_incomplete") or ["coverage unknown"])
        print(f"apishield probe: incomplete, no score: {why}", file=sys.stderr)
        if fail_on is not None and not args.allow_incomplete:
            return EXIT_INCOMPLETE
    return 0


def render_result(result: ProbeResult, target: str, fmt: str) -> str:
    """The report in ``fmt``; a score only when the coverage is complete, otherwise "incomplete" and why."""
    from apishield.reports import Report, render

    value: int | None
    if result.complete:
        value, explanation = score(result.findings)
    else:
        value = None
        explanation = ["incomplete: no score, because " + "; ".join(result.coverage.get("why_incomplete") or
                                                                   ["coverage was not measured"])]
    report = Report(tool="probe", target=target, findings=result.findings, rules=result.rules, score=value,
                    score_explanation=explanation, requests_used=result.requests_used, seconds=result.seconds,
                    budget_shares=dict(result.shares), stats=dict(result.stats), coverage=dict(result.coverage),
                    notes=list(result.notes))
    return render(report, fmt)


def rule_table() -> str:
    """Markdown: every registered probe check in run order (phase, order) with the rules it can prove."""
    from apishield.probe import checks  # noqa: F401  (import registers the built-in checks)
    from apishield.probe.engine import CHECKS

    rows = ["| check | phase | rule | title | severity | confidence | CWE | OWASP API 2023 |",
            "|---|---|---|---|---|---|---|---|"]
    for spec in CHECKS:
        for rule in spec.rules:
            cwes = ", ".join(f"CWE-{c}" for c in rule.cwe)
            title = rule.title.replace("|", "\\|")
            rows.append(f"| {spec.name} | {spec.phase} | {rule.id} | {title} | {rule.severity.label} | "
                        f"{rule.confidence.label} | {cwes} | {rule.owasp} |")
    return "\n".join(rows) + "\n"


__all__ = ["EXIT_FINDINGS", "EXIT_INCOMPLETE", "register", "render_result", "rule_table", "run"]
