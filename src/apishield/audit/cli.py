"""``apishield audit PATH [PATH…]``: static analysis of Python web-API code and templates.

Exit codes: 0 no finding at or above ``--fail-on``; 1 findings at or above it; 3 a usage or I/O error
(missing path, unreadable baseline, bad configuration) printed as one line by :mod:`apishield.cli`.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from apishield.audit import baseline as baseline_mod
from apishield.audit.config import AuditConfig, load, parse_fail_on
from apishield.audit.engine import AuditResult, run
from apishield.findings import Confidence, Severity

FORMATS = ("text", "json", "sarif", "junit", "html")
EXIT_OK = 0
EXIT_FINDINGS = 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="statically audit Flask/FastAPI/CherryPy/Bottle code and templates",
        description="Find unauthenticated routes, missing rate limits and headers, debug servers, raw template "
        "output, weak secrets, JWT mistakes and injection sinks in Python web APIs.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="directories or files to audit")
    parser.add_argument("--list-rules", action="store_true", help="print the rule table (Markdown) and exit")
    parser.add_argument("--format", "-f", choices=FORMATS, default="text", help="report format (default: text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument(
        "--fail-on",
        metavar="SEV",
        help="exit 1 when a finding is at least SEV "
        "(info|low|medium|high|critical|never; default: medium or [tool.apishield.audit] fail-on)",
    )
    parser.add_argument("--min-severity", metavar="SEV", help="hide findings below SEV")
    parser.add_argument("--min-confidence", metavar="CONF", help="hide findings below CONF (low|medium|high)")
    parser.add_argument("--baseline", metavar="FILE", help="report only findings not in this baseline file")
    parser.add_argument("--write-baseline", metavar="FILE", help="write all current findings' fingerprints to FILE")
    parser.add_argument("--routes", action="store_true", help="print the route inventory instead of findings")
    parser.add_argument("--config", metavar="FILE", help="pyproject.toml to read [tool.apishield.audit] from")
    parser.add_argument("--disable", metavar="IDS", help="comma-separated rule ids to skip")
    parser.add_argument("--jobs", "-j", type=int, metavar="N", help="worker processes (default: CPU count)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=handle)


def _config(args: argparse.Namespace) -> AuditConfig:
    config = load(args.paths[0], args.config)
    changes: dict[str, Any] = {}
    if args.fail_on:
        changes["fail_on"] = parse_fail_on(args.fail_on)
    if args.min_severity:
        changes["min_severity"] = Severity.parse(args.min_severity)
    if args.min_confidence:
        changes["min_confidence"] = Confidence.parse(args.min_confidence)
    if args.disable:
        changes["disable"] = config.disable | {r.strip().upper() for r in args.disable.split(",") if r.strip()}
    if args.jobs is not None:
        if args.jobs < 1:
            raise ValueError("--jobs must be at least 1")
        changes["jobs"] = args.jobs
    if not changes:
        return config
    from dataclasses import replace

    return replace(config, **changes)


def routes_table(result: AuditResult) -> str:
    """The route inventory as aligned text (one route per line)."""
    rows = [("FRAMEWORK", "METHODS", "PATH", "HANDLER", "WHERE", "AUTH", "RATE", "CSRF", "HEADERS")]
    for r in sorted(result.routes, key=lambda r: (r.file, r.line)):

        def mark(kind: str, route: Any = r) -> str:
            how = route.protections.get(kind, "")
            return how[:28] if how else "-"

        auth = mark("auth") if r.has("auth") else (f"public: {r.public}"[:28] if r.public else "NONE")
        rows.append(
            (
                r.framework,
                ",".join(r.methods),
                r.path,
                r.handler,
                f"{r.file}:{r.line}",
                auth,
                mark("rate"),
                mark("csrf"),
                mark("headers"),
            )
        )
    widths = [min(max(len(row[i]) for row in rows), 48) for i in range(len(rows[0]))]
    lines = ["  ".join(cell[:48].ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.append(f"{len(result.routes)} route(s) in {len(result.apps)} app(s)")
    return "\n".join(lines) + "\n"


def handle(args: argparse.Namespace) -> int:
    if args.list_rules:
        from apishield.audit.docs import rule_table

        sys.stdout.write(rule_table())
        return EXIT_OK
    if not args.paths:
        raise ValueError("give at least one PATH to audit (or --list-rules)")
    config = _config(args)
    for path in args.paths:
        if not os.path.exists(path):
            raise FileNotFoundError(f"no such file or directory: {path}")
    progress = not args.no_progress and sys.stderr.isatty()
    result = run(args.paths, config, baseline=args.baseline, progress=progress)
    for warning in result.warnings:
        print(f"apishield audit: warning: {warning}", file=sys.stderr)
    if args.write_baseline:
        count = baseline_mod.write(args.write_baseline, result.findings)
        print(f"apishield audit: wrote {count} fingerprint(s) to {args.write_baseline}", file=sys.stderr)
    if args.routes and args.format == "text":
        text = routes_table(result)
    else:
        from apishield.reports import Report, render

        report = Report(
            tool="audit",
            target=" ".join(args.paths),
            findings=result.findings,
            rules=result.rules,
            routes=[r.to_dict() for r in result.routes],
            stats=result.stats,
            seconds=result.stats.get("seconds"),
        )
        text = render(report, args.format)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    if args.write_baseline or config.fail_on is None:
        return EXIT_OK
    threshold = config.fail_on
    return EXIT_FINDINGS if any(f.severity >= threshold for f in result.findings) else EXIT_OK


__all__ = ["FORMATS", "handle", "register", "routes_table"]
