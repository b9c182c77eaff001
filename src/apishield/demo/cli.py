"""``apishield demo``: the side-by-side proof. Exit 0 when every expectation holds, 1 when one fails."""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from apishield.demo.runner import DemoOptions, DemoResult, as_json, run_demo
from apishield.demo.summary import format_counts

EXIT_OK = 0
EXIT_FAILED = 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="audit and probe the vulnerable twins and the Secure Task API, side by side",
        description="Audits the three deliberately vulnerable twins and the Secure Task API, serves each with a "
                    "production server on 127.0.0.1, probes it, and prints a summary. Fails (exit 1) unless "
                    "the twins score badly and the secure API has no medium-or-higher finding.",
    )
    parser.add_argument("--out", type=Path, default=Path(".demo"), help="working directory (default .demo)")
    parser.add_argument("--budget", type=int, default=600, help="probe request budget per app (default 600)")
    parser.add_argument("--app", action="append", default=[], metavar="NAME",
                        help="only this app (repeatable): flask-twin, cherrypy-twin, bottle-twin, taskapi")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers for the Task API (default 3)")
    parser.add_argument("--skip-audit", action="store_true", help="do not run the auditor")
    parser.add_argument("--skip-probe", action="store_true", help="do not serve and probe the apps")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(func=handle)


# what serving each app needs (module -> the extra that installs it); auditing needs none of them
_SERVES_WITH: dict[str, tuple[str, ...]] = {
    "flask-twin": ("flask", "gunicorn"),
    "cherrypy-twin": ("cherrypy",),
    "bottle-twin": ("bottle", "gunicorn"),
    "taskapi": ("flask", "gunicorn", "sqlalchemy"),
}
_EXTRA_OF = {"flask": "flask", "cherrypy": "cherrypy", "bottle": "bottle", "gunicorn": "servers", "sqlalchemy": "all"}


def missing_requirements(apps: tuple[str, ...], *, skip_probe: bool) -> list[str]:
    """The modules the selected apps need to be served that are not installed (none when only auditing)."""
    if skip_probe:
        return []
    wanted = [m for app, modules in _SERVES_WITH.items() if not apps or app in apps for m in modules]
    return [m for m in dict.fromkeys(wanted) if importlib.util.find_spec(m) is None]


def handle(args: argparse.Namespace) -> int:
    if args.budget < 1 or args.workers < 1:
        raise ValueError("--budget and --workers must be at least 1")
    missing = missing_requirements(tuple(args.app), skip_probe=args.skip_probe)
    if missing:
        extras = sorted({_EXTRA_OF[m] for m in missing})
        hint = "all" if "all" in extras else ",".join(extras)
        raise ValueError(
            f"the demo serves the example apps, which need {', '.join(missing)} (not installed); "
            f"install them with: pip install 'apishield[{hint}]' (or pass --skip-probe to only audit)"
        )
    options = DemoOptions(out=args.out, budget=args.budget, apps=tuple(args.app), workers=args.workers,
                          skip_audit=args.skip_audit, skip_probe=args.skip_probe)
    console = Console(stderr=args.json)
    if not console.is_terminal:
        console = Console(stderr=args.json, width=140)  # logs and CI: one row per app
    with console.status("apishield demo: auditing, serving and probing the example apps…"):
        result = run_demo(options)
    if args.json:
        print(json.dumps(as_json(result), indent=2))
    else:
        print_result(console, result)
    return EXIT_OK if result.ok else EXIT_FAILED


def print_result(console: Console, result: DemoResult) -> None:
    table = Table(title="apishield demo: audit and probe, side by side",
                  caption="counts: C critical · H high · M medium · L low · I info")
    columns = ("app", "framework", "audit findings", "probe findings", "probe requests", "planted found", "score",
               "expectation")
    for column in columns:
        table.add_column(column, justify="right" if column in ("score", "probe requests", "planted found") else "left")
    for s in result.summaries:
        expectation = "scores badly" if s.kind == "twin" else "no medium+ finding"
        mark = "[green]✓[/green]" if s.ok else "[red]✗[/red]"
        requests = "n/a" if s.probe_requests is None else f"{s.probe_requests} in {s.probe_seconds or 0:.0f} s"
        planted = "—" if s.planted is None else f"{s.planted[0]}/{s.planted[1]}"
        table.add_row(s.name, s.framework, format_counts(s.audit), format_counts(s.probe), requests, planted,
                      "n/a" if s.score is None else str(s.score), f"{mark} {expectation}")
    console.print(table)
    for s in result.summaries:
        for reason in s.reasons:
            console.print(f"[red]{s.name}[/red]: {reason}")
    for run in result.runs:
        for note in run.app.notes if run.probe is not None else ():
            console.print(note)
        if run.missed:
            console.print(f"{run.app.name}: planted weaknesses not found: {', '.join(run.missed)}")
    console.print(f"Reports (HTML, SARIF, JSON): {result.reports_dir}")
    for run in result.runs:
        for path in run.reports:
            if path.suffix in (".html", ".sarif"):
                console.print(f"  {path}")
    verdict = "[green]PASS[/green]" if result.ok else "[red]FAIL[/red]"
    console.print(f"{verdict}: finished in {result.seconds:.1f} s")
