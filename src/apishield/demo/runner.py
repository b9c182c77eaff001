"""Run the demo: audit every app, serve it on loopback, probe it, stop it, write reports, judge.

Each app is one job (audit → start server → create two identities → probe → stop); the four jobs run
side by side. The auditor and the prober run as child processes of this interpreter through their JSON
contract (``apishield audit|probe --format json``), with time limits, so the demo always finishes and
always stops its servers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apishield.demo import planted as planted_mod
from apishield.demo.apps import DemoApp, Identity, demo_apps
from apishield.demo.documents import ToolError, report_from_document
from apishield.demo.locate import examples_dir
from apishield.demo.servers import ServerProcess
from apishield.demo.summary import AppSummary, summarize
from apishield.errors import ApishieldError, ConfigError
from apishield.reports import render
from apishield.reports.model import Report, Tool


@dataclass(frozen=True, slots=True)
class DemoOptions:
    out: Path = Path(".demo")
    budget: int = 600
    rate: float = 50.0
    apps: tuple[str, ...] = ()
    workers: int = 3
    audit_timeout: float = 90.0
    probe_timeout: float = 100.0
    skip_audit: bool = False
    skip_probe: bool = False


@dataclass(slots=True)
class AppRun:
    app: DemoApp
    audit: Report | None = None
    probe: Report | None = None
    errors: list[str] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    missed: list[str] = field(default_factory=list)  # planted weaknesses neither tool found (twins)


@dataclass(slots=True)
class DemoResult:
    runs: list[AppRun]
    summaries: list[AppSummary]
    seconds: float
    reports_dir: Path

    @property
    def ok(self) -> bool:
        return bool(self.summaries) and all(s.ok for s in self.summaries)


def run_tool(tool: Tool, args: Sequence[str], *, timeout: float, target: str, log: Path) -> Report:
    """``python -m apishield <tool> ARGS --format json`` as a :class:`Report`; its stderr goes to ``log``."""
    command = [sys.executable, "-m", "apishield", tool, *args, "--format", "json"]
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        with log.open("wb") as err:
            done = subprocess.run(  # noqa: S603 - fixed argv, no shell
                command, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ToolError(f"{tool} did not finish within {timeout:.0f} s (see {log})") from None
    try:
        doc = json.loads(done.stdout.decode("utf-8", "replace"))
    except ValueError:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] if log.exists() else []
        raise ToolError(f"{tool} exited {done.returncode} without a JSON report"
                        + (f": {tail[0][:200]}" if tail else "")) from None
    if not isinstance(doc, dict):
        raise ToolError(f"{tool} printed JSON that is not an object")
    return report_from_document(doc, tool, target)


def _auth_args(identities: Sequence[Identity]) -> list[str]:
    args: list[str] = []
    for name, header, value in identities:
        args += ["--auth", f"{name}={header}:{value}"]
    return args


def _write_reports(run: AppRun, reports_dir: Path) -> None:
    for tool, report in (("audit", run.audit), ("probe", run.probe)):
        if report is None:
            continue
        for fmt, ext in (("html", "html"), ("sarif", "sarif"), ("json", "json")):
            path = reports_dir / f"{run.app.name}-{tool}.{ext}"
            path.write_text(render(report, fmt), encoding="utf-8")
            run.reports.append(path)


def run_app(app: DemoApp, options: DemoOptions, logs: Path) -> AppRun:
    """Audit, serve, probe and stop one application. Errors are recorded, never raised."""
    run = AppRun(app)
    started = time.monotonic()
    if not options.skip_audit:
        try:
            run.audit = run_tool("audit", [str(app.audit_path), "--no-progress"], timeout=options.audit_timeout,
                                 target=str(app.audit_path), log=logs / f"{app.name}-audit.log")
        except ApishieldError as exc:
            run.errors.append(f"audit: {exc}")
    if not options.skip_probe:
        server = ServerProcess(app.name, app.command, cwd=app.cwd, env=app.env, log_path=logs / f"{app.name}.log")
        try:
            with server:
                identities = app.provision(server.base_url, app) if app.provision else []
                args = [server.base_url, "--openapi", server.base_url + "/openapi.json", "--budget",
                        str(options.budget), "--rate", str(options.rate), "--seed", "1", "--no-provision",
                        "--no-progress", *_auth_args(identities)]
                run.probe = run_tool("probe", args, timeout=options.probe_timeout, target=server.base_url,
                                     log=logs / f"{app.name}-probe.log")
        except ApishieldError as exc:
            run.errors.append(f"probe: {exc}")
    run.seconds = time.monotonic() - started
    return run


def run_demo(options: DemoOptions) -> DemoResult:
    started = time.monotonic()
    out = options.out.resolve()
    reports_dir, logs, run_dir = out / "reports", out / "logs", out / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    for directory in (reports_dir, logs, run_dir):
        directory.mkdir(parents=True, exist_ok=True)
    apps = demo_apps(examples_dir(), run_dir, workers=options.workers)
    if options.apps:
        unknown = set(options.apps) - {a.name for a in apps}
        if unknown:
            raise ConfigError(f"unknown demo app(s) {sorted(unknown)}; choose from {[a.name for a in apps]}")
        apps = [a for a in apps if a.name in options.apps]
    with ThreadPoolExecutor(max_workers=len(apps) or 1) as pool:
        runs = list(pool.map(lambda app: run_app(app, options, logs), apps))
    summaries = []
    for run in runs:
        _write_reports(run, reports_dir)
        skipped = [tool for tool, skip in (("audit", options.skip_audit), ("probe", options.skip_probe)) if skip]
        summary = summarize(run.app.name, run.app.kind, run.app.framework, run.audit, run.probe, run.errors, skipped)
        if run.app.weaknesses is not None and run.app.weaknesses.is_file():
            planted = planted_mod.coverage(planted_mod.load(run.app.weaknesses),
                                           run.audit.findings if run.audit else [],
                                           run.probe.findings if run.probe else [])
            summary.planted = (len(planted.found), planted.total)
            run.missed = list(planted.missed)
        summaries.append(summary)
    return DemoResult(runs, summaries, time.monotonic() - started, reports_dir)


def as_json(result: DemoResult) -> dict[str, Any]:
    """The summary as a JSON-ready object (``apishield demo --json``)."""
    return {
        "ok": result.ok,
        "seconds": round(result.seconds, 1),
        "reports_dir": str(result.reports_dir),
        "apps": [{"name": s.name, "kind": s.kind, "framework": s.framework, "audit": s.audit, "probe": s.probe,
                  "probe_requests": s.probe_requests, "probe_seconds": s.probe_seconds, "score": s.score,
                  "planted_found": None if s.planted is None else {"found": s.planted[0], "total": s.planted[1]},
                  "ok": s.ok, "reasons": s.reasons} for s in result.summaries],
    }
