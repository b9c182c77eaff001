"""Measure ``apishield audit`` on labelled code, next to Bandit, from one run.

1. The labelled corpus (tests/audit/corpus: vulnerable + secure app per framework): precision and recall per
   rule for apishield; Bandit's recall on the same labels (its test ids mapped to our rules where an equivalent
   exists; Bandit has none for the API-management rules).
2. The deliberately vulnerable twins (examples/vulnerable/*/weaknesses.json): planted weaknesses found.
3. Real, well-kept projects (fetched into benchmarks/.cache/, never committed): medium-or-higher findings,
   listed for review.
4. Wall time of both tools on every target.

    .venv/bin/python benchmarks/audit_corpus.py            # add --list to print every real-project finding
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from apishield.audit.config import AuditConfig
from apishield.audit.engine import run
from apishield.findings import Severity

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "audit" / "corpus"
TWINS = ROOT / "examples" / "vulnerable"
CACHE = ROOT / "benchmarks" / ".cache"
REAL = [  # (name, sub-directory audited); fetch with the `fetch` tool and `git archive` into benchmarks/.cache/
    ("pallets+flask", "examples/tutorial"),
    ("miguelgrinberg+microblog", ""),
    ("fastapi+full-stack-fastapi-template", "backend"),
]
BANDIT_TO_RULE = {
    "B201": "AS301",
    "B104": "AS303",
    "B105": "AS601",
    "B106": "AS601",
    "B107": "AS603",
    "B303": "AS604",
    "B324": "AS604",
    "B311": "AS605",
    "B501": "AS308",
    "B323": "AS308",
    "B113": "AS309",
    "B701": "AS401",
    "B702": "AS402",
    "B703": "AS402",
    "B704": "AS402",
    "B308": "AS402",
    "B301": "AS804",
    "B506": "AS804",
    "B602": "AS802",
    "B605": "AS802",
    "B307": "AS803",
    "B102": "AS803",
    "B608": "AS801",
}
LINE_SLACK = 3  # twins label the statement; we may point at the decorator or the def


def bandit(path: Path) -> tuple[list[tuple[str, str, int]], float]:
    """(our rule id or Bandit id, relative path, line) for every Bandit issue, and the seconds it took."""
    started = time.perf_counter()
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "bandit"), "-r", str(path), "-f", "json", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    try:
        results = json.loads(proc.stdout or "{}").get("results", [])
    except json.JSONDecodeError:
        return [], seconds
    out = []
    for r in results:
        rel = str(Path(r["filename"]).resolve().relative_to(path.resolve()))
        out.append((BANDIT_TO_RULE.get(r["test_id"], r["test_id"]), rel, int(r["line_number"])))
    return out, seconds


def ours(path: Path) -> tuple[list[tuple[str, str, int, Severity]], float]:
    started = time.perf_counter()
    result = run([str(path)], AuditConfig(), jobs=1)
    seconds = time.perf_counter() - started
    return [(f.rule_id, f.location.path, f.location.line, f.severity) for f in result.findings if f.location], seconds


def corpus_figures() -> None:
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    bandit_tp: dict[str, int] = defaultdict(int)
    t_ours = t_bandit = 0.0
    medium_on_secure = 0
    for app in sorted(p for p in CORPUS.iterdir() if (p / "expected.json").is_file()):
        labels = json.loads((app / "expected.json").read_text())
        expected = {(e["rule_id"], e["path"], e["line"]) for e in labels["findings"]}
        found, seconds = ours(app)
        t_ours += seconds
        found_keys = {(r, p, line) for r, p, line, _ in found}
        for key in expected:
            (tp if key in found_keys else fn)[key[0]] += 1
        for r, p, line, sev in found:
            if (r, p, line) not in expected:
                fp[r] += 1
                if labels["variant"] == "secure" and sev >= Severity.MEDIUM:
                    medium_on_secure += 1
        b_found, b_seconds = bandit(app)
        t_bandit += b_seconds
        b_keys = set(b_found)
        for key in expected:
            if key in b_keys:
                bandit_tp[key[0]] += 1
    rules = sorted(set(tp) | set(fn) | set(fp))
    print("## Labelled corpus (tests/audit/corpus, 8 apps, 4 frameworks)\n")
    print("| rule | labelled | apishield recall | apishield precision | Bandit recall |")
    print("|---|---|---|---|---|")
    total_tp = total_fp = total_fn = total_btp = 0
    for r in rules:
        n = tp[r] + fn[r]
        recall = f"{tp[r] / n:.2f}" if n else "–"
        precision = f"{tp[r] / (tp[r] + fp[r]):.2f}" if tp[r] + fp[r] else "–"
        brecall = f"{bandit_tp[r] / n:.2f}" if n else "–"
        print(f"| {r} | {n} | {recall} | {precision} | {brecall} |")
        total_tp, total_fp, total_fn, total_btp = (
            total_tp + tp[r],
            total_fp + fp[r],
            total_fn + fn[r],
            total_btp + bandit_tp[r],
        )
    n = total_tp + total_fn
    print(
        f"| **all** | {n} | {total_tp / n:.2f} | {total_tp / max(1, total_tp + total_fp):.2f} | {total_btp / n:.2f} |"
    )
    print(f"\nmedium+ findings on the secure variants: {medium_on_secure}")
    print(f"time: apishield {t_ours:.2f} s, Bandit {t_bandit:.2f} s (8 apps, one process each)\n")


def twins_figures() -> None:
    print("## Vulnerable twins (examples/vulnerable/*/weaknesses.json)\n")
    print("| twin | planted weaknesses with an audit rule | found by apishield | found by Bandit |")
    print("|---|---|---|---|")
    for twin in sorted(TWINS.glob("*_twin")):
        doc = json.loads((twin / "weaknesses.json").read_text())
        found, _ = ours(twin)
        b_found, _ = bandit(twin)
        total = hit = bhit = 0
        missed = []
        for w in doc["weaknesses"]:
            rules = set(w.get("audit") or [])
            if not rules:
                continue
            total += 1
            places = [(p["file"], p["line"]) for p in w.get("where") or []]

            def matched(items: list[tuple[str, str, int]], rules: set[str] = rules, places: list = places) -> bool:
                for r, p, line in items:
                    if r in rules and (not places or any(p == f and abs(line - ln) <= LINE_SLACK for f, ln in places)):
                        return True
                return False

            if matched([(r, p, line) for r, p, line, _ in found]):
                hit += 1
            else:
                missed.append(f"{w['id']}({'/'.join(sorted(rules))})")
            bhit += matched(b_found)
        print(f"| {twin.name} | {total} | {hit} | {bhit} |" + (f" missed: {', '.join(missed)}" if missed else ""))
    print()


def real_figures(show: bool) -> None:
    print("## Real projects (medium-or-higher findings, each reviewed)\n")
    print("| project | files | apishield medium+ | apishield s | Bandit medium+ | Bandit s |")
    print("|---|---|---|---|---|---|")
    for name, sub in REAL:
        path = CACHE / name / sub
        if not path.is_dir():
            print(f"| {name} | not fetched | | | | |")
            continue
        started = time.perf_counter()
        result = run([str(path)], AuditConfig(min_severity=Severity.MEDIUM), jobs=1)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        proc = subprocess.run(
            [
                str(Path(sys.executable).parent / "bandit"),
                "-r",
                str(path),
                "-f",
                "json",
                "-q",
                "--severity-level",
                "medium",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        b_seconds = time.perf_counter() - started
        b_count = len(json.loads(proc.stdout or "{}").get("results", []))
        print(
            f"| {name}/{sub} | {result.stats['files']} | {len(result.findings)} | {seconds:.2f} | {b_count} | "
            f"{b_seconds:.2f} |"
        )
        if show:
            for f in sorted(
                result.findings, key=lambda f: (f.location.path, f.location.line) if f.location else ("", 0)
            ):
                where = f"{f.location.path}:{f.location.line}" if f.location else ""
                print(f"|  | {f.rule_id} {f.severity.label} | {where} | {f.message[:90]} | | |")
    print()


def main() -> None:
    corpus_figures()
    twins_figures()
    real_figures(show="--list" in sys.argv)


if __name__ == "__main__":
    main()
