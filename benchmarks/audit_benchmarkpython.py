"""OWASP BenchmarkPython: apishield audit vs Bandit vs Semgrep, per category, in one run.

Usage (from the repository root)::

    .venv/bin/python benchmarks/audit_benchmarkpython.py [--benchmark DIR] [--semgrep-rules DIR] [--no-semgrep]

``--benchmark`` is a checkout of https://github.com/OWASP-Benchmark/BenchmarkPython (default
``benchmarks/.cache/BenchmarkPython``), ``--semgrep-rules`` a checkout of semgrep/semgrep-rules (default
``benchmarks/.cache/semgrep-rules``; only its ``python/`` rules are used, offline, ``--metrics off``).
Neither is committed. A tool "flags" a test case when one of its findings in the test's file carries the
category's CWE (apishield: any CWE of the finding, primary or related; Bandit: ``issue_cwe``; Semgrep: the
rule's ``metadata.cwe``), exactly as the OWASP Benchmark scorecards do. Prints TPR, FPR and Youden index
(TPR - FPR) per category and the wall time of each tool on the same files.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable

CATEGORIES = (
    "cmdi", "codeinj", "deserialization", "hash", "ldapi", "pathtraver", "redirect", "securecookie", "sqli",
    "trustbound", "weakrand", "xpathi", "xss", "xxe",
)  # all 14 of BenchmarkPython 0.1
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BENCH = os.path.join(HERE, ".cache", "BenchmarkPython")
DEFAULT_RULES = os.path.join(HERE, ".cache", "semgrep-rules")
TEST_RE = re.compile(r"(BenchmarkTest\d+)")


def expected(bench: str) -> dict[str, tuple[str, bool, int]]:
    out: dict[str, tuple[str, bool, int]] = {}
    csv_path = next(os.path.join(bench, f) for f in os.listdir(bench) if f.startswith("expectedresults"))
    with open(csv_path, newline="") as fh:
        for row in csv.reader(fh):
            if not row or row[0].startswith("#"):
                continue
            out[row[0].strip()] = (row[1].strip(), row[2].strip() == "true", int(row[3]))
    return out


def _bin(name: str) -> str:
    local = os.path.join(os.path.dirname(sys.executable), name)
    return local if os.path.exists(local) else (shutil.which(name) or name)


_APISHIELD = """
import json, sys
from apishield.audit import engine
from apishield.audit.config import AuditConfig
result = engine.run([sys.argv[1]], AuditConfig())
json.dump([[f.location.path, list(f.cwe)] for f in result.findings if f.location is not None], sys.stdout)
"""


def find_python(choice: str) -> str:
    """The interpreter that runs apishield and Bandit. BenchmarkPython uses Python 3.12 f-string syntax
    (nested quotes), which 3.11's parser rejects, so ``auto`` prefers a 3.12+ interpreter when one exists."""
    if choice != "auto":
        return choice
    if sys.version_info >= (3, 12):
        return sys.executable
    candidates: list[str | None] = []
    pyenv = os.path.expanduser("~/.pyenv/versions")
    if os.path.isdir(pyenv):
        candidates += [os.path.join(pyenv, v, "bin", "python") for v in sorted(os.listdir(pyenv))
                       if re.match(r"3\.1[2-9]", v)]
    candidates += [shutil.which(f"python3.{minor}") for minor in (12, 13)]
    for c in candidates:
        if c and os.path.exists(c) and subprocess.run([c, "-c", "import sys; assert sys.version_info >= (3, 12)"],
                                                      capture_output=True, check=False).returncode == 0:
            return c
    return sys.executable


def _env() -> dict[str, str]:
    """PYTHONPATH: our sources and this venv's site-packages (pure-Python tools run on another interpreter)."""
    import sysconfig

    paths = [os.path.join(os.path.dirname(HERE), "src"), sysconfig.get_paths()["purelib"]]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def run_apishield(target: str, python: str) -> tuple[dict[str, set[int]], float]:
    start = time.perf_counter()
    proc = subprocess.run([python, "-c", _APISHIELD, target], capture_output=True, text=True, check=False,
                          env=_env())
    elapsed = time.perf_counter() - start
    flagged: dict[str, set[int]] = defaultdict(set)
    if proc.returncode != 0:
        print("apishield failed:", proc.stderr[-1000:], file=sys.stderr)
        return flagged, elapsed
    for path, cwes in json.loads(proc.stdout):
        m = TEST_RE.search(path)
        if m:
            flagged[m.group(1)].update(cwes)
    return flagged, elapsed


def run_bandit(target: str, python: str) -> tuple[dict[str, set[int]], float]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = out.name
    start = time.perf_counter()
    subprocess.run([python, "-m", "bandit", "-r", target, "-f", "json", "-o", path, "-q"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
    elapsed = time.perf_counter() - start
    try:
        with open(path) as fh:
            data = json.load(fh)
    except ValueError:
        raise SystemExit(f"Bandit wrote no report: is it installed for {python}? (pip install bandit)") from None
    finally:
        os.unlink(path)
    flagged: dict[str, set[int]] = defaultdict(set)
    for r in data.get("results", []):
        m = TEST_RE.search(r.get("filename", ""))
        cwe = (r.get("issue_cwe") or {}).get("id")
        if m and cwe:
            flagged[m.group(1)].add(int(cwe))
    return flagged, elapsed


def run_semgrep(target: str, rules: str) -> tuple[dict[str, set[int]], float]:
    config = os.path.join(rules, "python")
    with tempfile.TemporaryDirectory() as tmp:
        # only the rule YAML files (the repository's test fixtures would be rules' targets, not rules)
        rules_dir = os.path.join(tmp, "rules")
        for dirpath, _, files in os.walk(config):
            for name in files:
                if name.endswith((".yaml", ".yml")) and not name.endswith((".test.yaml", ".fixed.yaml")):
                    rel = os.path.relpath(os.path.join(dirpath, name), config)
                    dest = os.path.join(rules_dir, rel)
                    os.makedirs(os.path.dirname(dest), exist_ok=True)
                    shutil.copy(os.path.join(dirpath, name), dest)
        start = time.perf_counter()
        proc = subprocess.run([_bin("semgrep"), "scan", "--config", rules_dir, "--metrics", "off", "--json",
                               "--quiet", "--disable-version-check", "--no-git-ignore", target],
                              capture_output=True, text=True,
                              check=False, env={**os.environ, "SEMGREP_SEND_METRICS": "off"})
        elapsed = time.perf_counter() - start
    flagged: dict[str, set[int]] = defaultdict(set)
    try:
        data = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        print("semgrep failed:", proc.stderr[-500:], file=sys.stderr)
        return flagged, elapsed
    for r in data.get("results", []):
        m = TEST_RE.search(r.get("path", ""))
        cwes = (r.get("extra", {}).get("metadata", {}) or {}).get("cwe") or []
        if isinstance(cwes, str):
            cwes = [cwes]
        for c in cwes:
            num = re.search(r"CWE-(\d+)", str(c))
            if m and num:
                flagged[m.group(1)].add(int(num.group(1)))
    return flagged, elapsed


def score(exp: dict[str, tuple[str, bool, int]], flagged: dict[str, set[int]], categories: Iterable[str]
          ) -> dict[str, tuple[float, float, float]]:
    out: dict[str, tuple[float, float, float]] = {}
    for cat in categories:
        tp = fn = fp = tn = 0
        for test, (c, real, cwe) in exp.items():
            if c != cat:
                continue
            hit = cwe in flagged.get(test, set())
            if real:
                tp += hit
                fn += not hit
            else:
                fp += hit
                tn += not hit
        tpr = tp / (tp + fn) if tp + fn else 0.0
        fpr = fp / (fp + tn) if fp + tn else 0.0
        out[cat] = (tpr, fpr, tpr - fpr)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--benchmark", default=DEFAULT_BENCH)
    parser.add_argument("--semgrep-rules", default=DEFAULT_RULES)
    parser.add_argument("--no-semgrep", action="store_true")
    parser.add_argument("--python", default="auto", help="interpreter for apishield and Bandit (default: a 3.12+ "
                        "one if found, since the test files use 3.12 syntax; on 3.11 apishield rewrites that syntax "
                        "and Bandit skips those files)")
    parser.add_argument("--repeat", type=int, default=1, help="time apishield and Bandit N times (median)")
    parser.add_argument("--all-categories", action="store_true", help="score every category in the expected results "
                        "file (the default list is BenchmarkPython 0.1's fourteen)")
    parser.add_argument("--misses", metavar="CATEGORY", help="list apishield's false negatives/positives")
    args = parser.parse_args(argv)
    target = os.path.join(args.benchmark, "testcode")
    if not os.path.isdir(target):
        print(f"no BenchmarkPython checkout at {args.benchmark}; see the module docstring", file=sys.stderr)
        return 2
    exp = expected(args.benchmark)
    cats = sorted({c for c, _, _ in exp.values()}) if args.all_categories else list(CATEGORIES)
    python = find_python(args.python)
    version = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True,
                             text=True, check=False).stdout.strip()
    tools: dict[str, tuple[dict[str, set[int]], float]] = {
        "apishield": run_apishield(target, python),
        "bandit": run_bandit(target, python),
    }
    if not args.no_semgrep and os.path.isdir(os.path.join(args.semgrep_rules, "python")):
        tools["semgrep"] = run_semgrep(target, args.semgrep_rules)
    scores = {name: score(exp, flagged, cats) for name, (flagged, _) in tools.items()}
    names = list(tools)
    header = f"{'category':<16}" + "".join(f"{n + ' TPR/FPR/Y':>26}" for n in names)
    scored = sum(1 for c, _, _ in exp.values() if c in cats)
    print(f"OWASP BenchmarkPython ({len(exp)} test cases, {scored} scored; apishield and Bandit on Python {version})")
    print(header)
    print("-" * len(header))
    for cat in cats:
        row = f"{cat:<16}"
        for n in names:
            tpr, fpr, y = scores[n][cat]
            row += f"{tpr:>10.2f}{fpr:>8.2f}{y:>8.2f}"
        print(row)
    row = f"{'average':<16}"
    for n in names:
        vals = list(scores[n].values())
        row += f"{sum(v[0] for v in vals) / len(vals):>10.2f}{sum(v[1] for v in vals) / len(vals):>8.2f}" \
               f"{sum(v[2] for v in vals) / len(vals):>8.2f}"
    print(row)
    print()
    times = {n: [tools[n][1]] for n in names}
    for _ in range(args.repeat - 1):  # alternate the two so that machine load hits both alike
        times["apishield"].append(run_apishield(target, python)[1])
        times["bandit"].append(run_bandit(target, python)[1])
    median = {n: sorted(t)[len(t) // 2] for n, t in times.items()}
    for n in names:
        runs = f" (median of {len(times[n])})" if len(times[n]) > 1 else ""
        print(f"wall time {n:<10} {median[n]:7.2f} s{runs}")
    ratio = median["apishield"] / median["bandit"] if median["bandit"] else float("nan")
    print(f"apishield / bandit time ratio: {ratio:.2f}")
    if args.misses:
        flagged = tools["apishield"][0]
        for test, (c, real, cwe) in sorted(exp.items()):
            if c == args.misses and real != (cwe in flagged.get(test, set())):
                print("FN" if real else "FP", test)
    return 0


if __name__ == "__main__":
    sys.exit(main())
