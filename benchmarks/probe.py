"""apishield probe vs Schemathesis 4 (`st run --checks all`) on the same live targets, side by side, one run.

Targets: the prober's own test apps (Flask, CherryPy, Bottle, FastAPI; vulnerable and a secure twin) and, when
present, the vulnerable twins and the reference Task API under examples/ (started through apishield.demo).
For each target and tool: planted weaknesses found (ground truth from each app's weaknesses list), distinct
rules/checks that fired, requests sent, seconds, and for our test apps how often the destructive tripwire
operation (POST /api/admin/reset) was called.

    .venv/bin/python benchmarks/probe.py [--quick] [--max-examples 10]
    .venv/bin/python benchmarks/probe.py --coverage-only 600    # the prober's coverage on the demo apps

Schemathesis has no security rule ids; its failures are mapped to ours only where the meaning is the same
(ST401 "API accepts requests without authentication" -> PR-AUTH-001, "Server error" -> PR-ERR-004,
object-level authorization -> PR-BOLA-001). Everything else it reports is conformance (status codes, schemas).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]


from tests.probe.servers import WEAKNESSES, serve  # noqa: E402

from apishield.probe.engine import ProbeOptions  # noqa: E402
from apishield.probe.runner import ProbeConfig, probe  # noqa: E402
from apishield.probe.score import score  # noqa: E402

ST = ROOT / ".venv" / "bin" / "st"
SECTION = re.compile(r"^_{3,} (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE) (\S+) _{3,}$")
FAILURE = re.compile(r"^- (ST\d+) (.+)$")


def st_to_rule(code: str, title: str) -> str | None:
    low = title.lower()
    if "without authentication" in low or code == "ST401":
        return "PR-AUTH-001"
    if "server error" in low:
        return "PR-ERR-004"
    if "object" in low and "author" in low:
        return "PR-BOLA-001"
    return None


@dataclass
class Target:
    name: str
    url: str
    planted: list[dict[str, Any]]  # {"id", "rules": [...]}
    auth: list[tuple[str, str, str]] = field(default_factory=list)
    log: Path | None = None  # server request log (our test apps)


@dataclass
class Row:
    target: str
    tool: str
    found: int
    planted: int
    rules: list[str]
    requests: int
    seconds: float
    tripwire: int | None
    missed: list[str]


def _tripwire(log: Path | None, start: int) -> tuple[int | None, int]:
    if log is None or not log.exists():
        return None, 0
    lines = log.read_text().splitlines()
    return sum('"TRIPWIRE"' in line for line in lines[start:]), len(lines)


def run_ours(t: Target) -> Row:
    _, start = _tripwire(t.log, 0)
    auth = tuple(f"{n}={h}:{v}" for n, h, v in t.auth)
    config = ProbeConfig(t.url, openapi=t.url + "/openapi.json", auth=auth, provision=not auth,
                         options=ProbeOptions(budget=2000, rate=0, seed=1))
    began = time.monotonic()
    result = asyncio.run(probe(config))
    seconds = time.monotonic() - began
    rules = sorted({f.rule_id for f in result.findings})
    found = [w for w in t.planted if set(w["rules"]) & set(rules)]
    trip, _ = _tripwire(t.log, start)
    coverage = f"coverage {result.coverage.get('ratio', 0):.0%} ({'complete' if result.complete else 'INCOMPLETE'})"
    return Row(t.name, "apishield probe", len(found), len(t.planted), [coverage, *rules], result.requests_used, seconds,
               trip, [w["id"] for w in t.planted if w not in found])


def run_schemathesis(t: Target, max_examples: int) -> Row:
    _, start = _tripwire(t.log, 0)
    with tempfile.TemporaryDirectory() as tmp:
        argv = [str(ST), "run", t.url + "/openapi.json", "--checks", "all", "--max-examples", str(max_examples),
                "--seed", "1", "--report", "har", "--report-dir", tmp, "--request-timeout", "5", "--workers", "1"]
        if t.auth:
            _, header, value = t.auth[0]
            argv += ["-H", f"{header}: {value}"]
        began = time.monotonic()
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=900)
        seconds = time.monotonic() - began
        requests = 0
        for har in Path(tmp).glob("*.json"):
            with suppress(ValueError, KeyError):
                requests += len(json.loads(har.read_text())["log"]["entries"])
    rules: set[str] = set()
    codes: set[str] = set()
    for line in proc.stdout.splitlines():
        m = FAILURE.match(line.strip())
        if m:
            codes.add(f"{m.group(1)} {m.group(2)}")
            mapped = st_to_rule(m.group(1), m.group(2))
            if mapped:
                rules.add(mapped)
    found = [w for w in t.planted if set(w["rules"]) & rules]
    trip, _ = _tripwire(t.log, start)
    return Row(t.name, f"schemathesis {max_examples} ex.", len(found), len(t.planted), sorted(codes), requests,
               seconds, trip, [w["id"] for w in t.planted if w not in found])


@contextmanager
def own_targets(quick: bool) -> Iterator[list[Target]]:
    planted = [{"id": w["id"], "rules": [w["rule"]]} for w in WEAKNESSES]
    frameworks = ("flask",) if quick else ("flask", "cherrypy", "bottle", "fastapi")
    from contextlib import ExitStack

    with ExitStack() as stack:
        targets = []
        for fw in frameworks:
            s = stack.enter_context(serve(fw, "vulnerable"))
            targets.append(Target(f"test app {fw} (vulnerable)", s.url, planted, log=s.log))
        s = stack.enter_context(serve("flask", "secure"))
        targets.append(Target("test app flask (secure)", s.url, [], log=s.log))
        yield targets


def demo_targets(quick: bool) -> Iterator[tuple[Target, Any]]:
    """The examples' twins and Task API, one at a time (started and stopped through apishield.demo)."""
    try:
        from apishield.demo.apps import demo_apps
        from apishield.demo.servers import ServerProcess
    except ImportError:
        return
    with tempfile.TemporaryDirectory() as tmp:
        for app in demo_apps(ROOT / "examples", Path(tmp), workers=2):
            if quick and app.name not in ("flask-twin", "taskapi"):
                continue
            server = ServerProcess(app.name, app.command, cwd=app.cwd, env=app.env, log_path=Path(tmp) / "srv.log")
            with server:
                identities = app.provision(server.base_url, app) if app.provision else []
                planted: list[dict[str, Any]] = []
                if app.weaknesses is not None and app.weaknesses.exists():
                    data = json.loads(app.weaknesses.read_text())
                    items = data.get("weaknesses", data) if isinstance(data, dict) else data
                    planted = [{"id": w["id"], "rules": w.get("probe", [])} for w in items if w.get("probe")]
                yield Target(f"examples {app.name}", server.base_url, planted, auth=list(identities)), server


def coverage_only(budget: int) -> int:
    """The prober alone on the demo apps (their own identities, the demo's seed): status, score, coverage."""
    print("| target | status | score | findings | requests | coverage (ran/counted) | throttled, retries, s waited |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for t, _server in demo_targets(False):
        auth = tuple(f"{n}={h}:{v}" for n, h, v in t.auth)
        config = ProbeConfig(t.url, openapi=t.url + "/openapi.json", auth=auth, provision=not auth,
                             options=ProbeOptions(budget=budget, rate=20, seed=1))
        result = asyncio.run(probe(config))
        cov, thr = result.coverage, result.stats["throttling"]
        value = score(result.findings)[0] if result.complete else "—"
        print(f"| {t.name} | {'complete' if result.complete else 'INCOMPLETE'} | {value} | {len(result.findings)} | "
              f"{result.requests_used} | {cov['ratio']:.0%} ({cov['units']['ran']}/{cov['units']['counted']}) | "
              f"{thr['throttled_answers']}, {thr['retries']}, {thr['seconds_waited']} |")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one test app and two examples only")
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--coverage-only", type=int, metavar="BUDGET",
                        help="no Schemathesis: probe the demo apps at BUDGET and print each run's coverage")
    args = parser.parse_args()
    if args.coverage_only:
        return coverage_only(args.coverage_only)
    if not ST.exists():
        print(f"schemathesis not found at {ST}", file=sys.stderr)
        return 2
    rows: list[Row] = []
    with own_targets(args.quick) as targets:
        for t in targets:
            rows += [run_ours(t), run_schemathesis(t, args.max_examples)]
            print(f"done {t.name}", file=sys.stderr)
    for t, _server in demo_targets(args.quick):
        rows += [run_ours(t), run_schemathesis(t, args.max_examples)]
        print(f"done {t.name}", file=sys.stderr)
    print("| target | tool | planted found | requests | seconds | destructive calls | rules / checks that fired |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        planted = f"{r.found}/{r.planted}" if r.planted else "n/a (secure)"
        fired = ", ".join(r.rules) if len(r.rules) < 12 else ", ".join(r.rules[:11]) + f", … ({len(r.rules)})"
        trip = "—" if r.tripwire is None else str(r.tripwire)
        print(f"| {r.target} | {r.tool} | {planted} | {r.requests} | {r.seconds:.1f} | {trip} | {fired} |")
    print()
    for r in rows:
        if r.missed:
            print(f"- {r.tool} missed on {r.target}: {', '.join(r.missed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
