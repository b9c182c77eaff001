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

CATEGORIES = ("cmdi", "codeinj", "deserialization", "sqli", "securecookie", "xss", "pathtraver", "redirect")
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


def run_apishield(target: str) -> tuple[dict[str, set[int]], float]:
    from apishield.audit import engine
    from apishield.audit.config import AuditConfig

    start = time.perf_counter()
    result = engine.run([target], AuditConfig())
    elapsed = time.perf_counter() - start
    flagged: dict[str, set[int]] = defaultdict(set)
    for f in result.findings:
        if f.location is None:
            continue
        m = TEST_RE.search(f.location.path)
        if m:
            flagged[m.group(1)].update(f.cwe)
    return flagged, elapsed


def run_bandit(target: str) -> tuple[dict[str, set[int]], float]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = out.name
    start = time.perf_counter()
    subprocess.run([_bin("bandit"), "-r", target, "-f", "json", "-o", path, "-q"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    with open(path) as fh:
        data = json.load(fh)
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
                               "--quiet", "--disable-version-check", target], capture_output=True, text=True,
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
    parser.add_argument("--all-categories", action="store_true", help="also score the other categories")
    parser.add_argument("--misses", metavar="CATEGORY", help="list apishield's false negatives/positives")
    args = parser.parse_args(argv)
    target = os.path.join(args.benchmark, "testcode")
    if not os.path.isdir(target):
        print(f"no BenchmarkPython checkout at {args.benchmark}; see the module docstring", file=sys.stderr)
        return 2
    exp = expected(args.benchmark)
    cats = sorted({c for c, _, _ in exp.values()}) if args.all_categories else list(CATEGORIES)
    tools: dict[str, tuple[dict[str, set[int]], float]] = {
        "apishield": run_apishield(target),
        "bandit": run_bandit(target),
    }
    if not args.no_semgrep and os.path.isdir(os.path.join(args.semgrep_rules, "python")):
        tools["semgrep"] = run_semgrep(target, args.semgrep_rules)
    scores = {name: score(exp, flagged, cats) for name, (flagged, _) in tools.items()}
    names = list(tools)
    header = f"{'category':<16}" + "".join(f"{n + ' TPR/FPR/Y':>26}" for n in names)
    print(f"OWASP BenchmarkPython ({len(exp)} test cases, {sum(1 for c, _, _ in exp.values() if c in cats)} scored)")
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
    for n in names:
        print(f"wall time {n:<10} {tools[n][1]:7.2f} s")
    ratio = tools["apishield"][1] / tools["bandit"][1] if tools["bandit"][1] else float("nan")
    print(f"apishield / bandit time ratio: {ratio:.2f}")
    if args.misses:
        flagged = tools["apishield"][0]
        for test, (c, real, cwe) in sorted(exp.items()):
            if c == args.misses and real != (cwe in flagged.get(test, set())):
                print("FN" if real else "FP", test)
    return 0


if __name__ == "__main__":
    sys.exit(main())
