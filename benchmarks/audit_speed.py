"""Audit speed: ``apishield audit`` next to ``bandit`` on OWASP BenchmarkPython's test files, in one run.

Usage (from the repository root)::

    .venv/bin/python benchmarks/audit_speed.py [--benchmark DIR] [--repeat 3] [--jobs N] [--python PY]

Both tools run the way a user runs them, as command-line programs from the same virtualenv and on the same
interpreter, writing JSON to a pipe::

    bandit -q -r DIR -f json
    apishield audit DIR --format json --no-progress --fail-on never

``DIR`` is ``testcode/`` of a checkout of https://github.com/OWASP-Benchmark/BenchmarkPython (default
``benchmarks/.cache/BenchmarkPython``; never committed). The two alternate, ``--repeat`` times each, so that
machine load falls on both alike; the median wall time (what the user waits for) and the median CPU time
(user + system of the tool and every process it waited for, from ``getrusage(RUSAGE_CHILDREN)``) are printed
side by side with their ratio. ``--python`` runs both with interpreter ``PY`` instead (with
this checkout's ``src`` on ``PYTHONPATH``; apishield's ``audit`` subcommand alone, since the full CLI also
loads modules with compiled extensions built for the venv), e.g. a Python 3.12 that parses every
BenchmarkPython file: on 3.11 Bandit skips the files written with 3.12 f-string syntax, which apishield
rewrites and audits.

Before timing, apishield's own sources are compiled to bytecode with the same interpreter
(``python -m compileall``), as ``pip install`` does for Bandit and for an installed apishield: an editable
checkout run with ``PYTHONDONTWRITEBYTECODE`` set would otherwise recompile its modules on every run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BENCH = os.path.join(HERE, ".cache", "BenchmarkPython")


@dataclass
class Tool:
    name: str
    argv: list[str]
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    summary: str = ""


# ``apishield audit`` with only the audit subcommand registered: the same handler and engine, without importing
# the other subcommands (probe, demo, ...) that ``apishield.cli`` loads up front
_AUDIT_ONLY = (
    "import argparse, sys\n"
    "from apishield.audit import cli\n"
    "parser = argparse.ArgumentParser(prog='apishield')\n"
    "cli.register(parser.add_subparsers(dest='command'))\n"
    "args = parser.parse_args()\n"
    "sys.exit(args.func(args))\n"
)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _script(name: str) -> str:
    local = os.path.join(os.path.dirname(sys.executable), name)
    return local if os.path.exists(local) else name


def _env(python: str | None) -> dict[str, str]:
    if python is None:
        return dict(os.environ)
    paths = [os.path.join(os.path.dirname(HERE), "src"), sysconfig.get_paths()["purelib"]]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def _bandit_summary(out: str) -> str:
    data = json.loads(out or "{}")
    totals = data.get("metrics", {}).get("_totals", {})
    return (
        f"{len(data.get('results', []))} issues, {len(data.get('errors', []))} files it could not parse, "
        f"{totals.get('loc', '?')} lines"
    )


def _apishield_summary(out: str) -> str:
    data = json.loads(out or "{}")
    stats = data.get("stats", {})
    return (
        f"{len(data.get('findings', []))} findings, {stats.get('unparsable', '?')} files it could not parse, "
        f"{len(data.get('routes', []))} routes"
    )


def run_once(tool: Tool, env: dict[str, str]) -> None:
    before = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(tool.argv, capture_output=True, text=True, check=False, env=env)
    tool.walls.append(time.perf_counter() - start)
    tool.cpus.append(_children_cpu() - before)
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        raise SystemExit(f"{tool.name} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    if not tool.summary:
        summarise = _bandit_summary if tool.name == "bandit" else _apishield_summary
        tool.summary = summarise(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--benchmark", default=DEFAULT_BENCH, help="BenchmarkPython checkout")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool (median; default 3)")
    parser.add_argument("--jobs", type=int, help="apishield --jobs (default: its own choice)")
    parser.add_argument("--python", help="run both tools with this interpreter (-m) instead of the venv's scripts")
    parser.add_argument(
        "--audit-only", action="store_true", help="also time apishield with only its audit subcommand loaded"
    )
    args = parser.parse_args(argv)
    target = os.path.join(args.benchmark, "testcode")
    if not os.path.isdir(target):
        print(f"no BenchmarkPython checkout at {args.benchmark}; see the module docstring", file=sys.stderr)
        return 2
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.python:
        bandit_cmd = [args.python, "-m", "bandit"]
        apishield_cmd = [args.python, "-c", _AUDIT_ONLY]  # the full CLI needs the venv's compiled extensions
    else:
        bandit_cmd = [_script("bandit")]
        apishield_cmd = [_script("apishield")]
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    bandit = Tool("bandit", [*bandit_cmd, "-q", "-r", target, "-f", "json"])
    apishield = Tool(
        "apishield", [*apishield_cmd, "audit", target, "--format", "json", "--no-progress", "--fail-on", "never", *jobs]
    )
    tools = [bandit, apishield]
    if args.audit_only and not args.python:
        tools.append(Tool("apishield*", [sys.executable, "-c", _AUDIT_ONLY, *apishield.argv[1:]]))
    env = _env(args.python)
    python = args.python or sys.executable
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True, check=False
    ).stdout.strip()
    files = sum(1 for name in os.listdir(target) if name.endswith(".py"))
    subprocess.run([python, "-m", "compileall", "-q", os.path.join(os.path.dirname(HERE), "src")], check=False)
    for round_ in range(args.repeat):
        for tool in tools if round_ % 2 == 0 else reversed(tools):
            run_once(tool, env)
    print(
        f"OWASP BenchmarkPython: {files} Python files, Python {version}, {os.cpu_count()} CPUs, "
        f"median of {args.repeat} alternating runs"
    )
    print(f"{'tool':<10}{'wall s':>9}{'CPU s':>9}   command")
    for tool in tools:
        shown = [
            os.path.basename(a) if i == 0 else "'<audit-only runner>'" if a == _AUDIT_ONLY else a
            for i, a in enumerate(tool.argv)
        ]
        command = " ".join(shown)
        print(f"{tool.name:<10}{statistics.median(tool.walls):>9.2f}{statistics.median(tool.cpus):>9.2f}   {command}")
    wall = statistics.median(apishield.walls) / statistics.median(bandit.walls)
    cpu = statistics.median(apishield.cpus) / statistics.median(bandit.cpus)
    print(f"apishield / bandit: wall {wall:.2f}x, CPU {cpu:.2f}x (issue 16's target: wall <= 1.0x, at or below Bandit)")
    for tool in tools:
        print(f"all runs, wall, {tool.name}: {[round(w, 2) for w in tool.walls]}")
    print(f"bandit: {bandit.summary}")
    print(f"apishield: {apishield.summary}")
    if len(tools) > 2:
        lean = statistics.median(tools[2].walls) / statistics.median(bandit.walls)
        print(f"apishield* (audit subcommand only): wall {lean:.2f}x bandit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
