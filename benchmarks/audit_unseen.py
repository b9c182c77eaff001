"""Measure ``apishield audit`` next to Bandit and Semgrep on third-party code nobody here wrote.

Usage::

    .venv/bin/python benchmarks/audit_unseen.py [--root DIR] [--semgrep-rules DIR] [--no-semgrep]
                                                [--half development|test|fresh|all] [--unjudged]
                                                [--save FILE | --load FILE]
    .venv/bin/python benchmarks/audit_unseen.py --check [--root DIR] [--half ...]

The corpus is described in ``benchmarks/unseen/*.toml``: one file per project with its repository, the pinned
commit, ``kind`` (``ordinary``: a normal open-source API without known vulnerabilities; ``vulnerable``: a
deliberately vulnerable web app by another author), the ``half`` it belongs to (``development``: may be looked
at to tune the analyser; ``test``: only measured) and, for vulnerable apps, the ground-truth labels written from
the project's own documentation before any tool was run. A third half, ``fresh``, holds projects added after
tuning on the development half had begun, labelled and committed before any tool ran on them: a clean held-out
figure (the test half's misses had been read by then). Once a fresh half's results have been read it joins the
development half, and a new fresh half is labelled (the projects' files say which round they came from). The
projects themselves are not in this repository: ``--root`` (default ``benchmarks/.cache/unseen``) holds one
directory per project, named after its ``name``, with the repository's files at the pinned commit, e.g.::

    git clone https://github.com/<repo> benchmarks/.cache/unseen/<name> && git -C ... checkout <commit>

``--check`` runs no tool: it loads the selected project files and checks them and their checkouts (fields and
labels well formed, the checkout at the pinned commit when it is a git clone, every path and labelled file
present, every label's line range inside its file), prints one line per project and exits non-zero on a problem.
Use it when labelling a new half, before any tool has run on it.

Every medium-or-higher finding of each tool (apishield: severity medium+; Bandit: issue_severity MEDIUM/HIGH;
Semgrep: severity WARNING/ERROR) is looked up in ``benchmarks/unseen/judgements/<name>.toml``, written by reading
the code at the finding: ``"<key>" = {ok = true|false, why = "..."}``. Findings without a judgement are counted
as *unjudged*, never as true or false.

Figures, per half and per tool:

- ordinary APIs: precision of medium+ findings = true / (true + false);
- vulnerable apps: recall at medium+ = labels matched by a medium+ finding of the tool in the label's file,
  within 3 lines of the label's line range, sharing one of the label's CWEs, and not judged false (a finding
  whose claim was judged wrong finds no label); and precision as above.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "unseen")
DEFAULT_ROOT = os.path.join(HERE, ".cache", "unseen")
DEFAULT_RULES = os.path.join(HERE, ".cache", "semgrep-rules")
TOOLS = ("apishield", "bandit", "semgrep")
HALVES = ("development", "test", "fresh")
SLACK = 3  # lines either side of a label's range


@dataclass(frozen=True)
class Hit:
    tool: str
    project: str
    path: str  # relative to the project directory, "/"-separated
    line: int
    rule: str
    severity: str
    cwe: tuple[int, ...]

    @property
    def key(self) -> str:
        return f"{self.tool}:{self.path}:{self.line}:{self.rule}"


@dataclass
class Project:
    name: str
    repo: str
    commit: str
    kind: str
    half: str
    paths: list[str]
    labels: list[dict[str, Any]] = field(default_factory=list)
    judgements: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = ""  # the project file it was read from


def load_projects(data_dir: str = DATA) -> list[Project]:
    projects = []
    for path in sorted(glob.glob(os.path.join(data_dir, "*.toml"))):
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        missing = [key for key in ("name", "repo", "commit", "kind", "half") if not isinstance(data.get(key), str)]
        if missing:
            raise SystemExit(f"{path}: missing or not a string: {', '.join(missing)}")
        project = Project(name=data["name"], repo=data["repo"], commit=data["commit"], kind=data["kind"],
                          half=data["half"], paths=list(data.get("paths", ["."])), labels=list(data.get("label", [])),
                          source=path)
        judged = os.path.join(data_dir, "judgements", f"{project.name}.toml")
        if os.path.exists(judged):
            with open(judged, "rb") as fh:
                project.judgements = tomllib.load(fh)
        if project.kind not in ("ordinary", "vulnerable") or project.half not in HALVES:
            raise SystemExit(f"{path}: kind must be ordinary|vulnerable and half one of {'|'.join(HALVES)}")
        projects.append(project)
    return projects


def _label_problems(label: Any) -> list[str]:
    if not isinstance(label, dict):
        return ["not a table"]
    problems = []
    for key in ("file", "what"):
        if not isinstance(label.get(key), str) or not label[key].strip():
            problems.append(f"{key} missing or empty")
    cwe = label.get("cwe")
    if not isinstance(cwe, list) or not cwe or not all(isinstance(c, int) and c > 0 for c in cwe):
        problems.append("cwe must be a non-empty list of CWE numbers")
    also = label.get("also", [])
    if not isinstance(also, list) or not all(isinstance(a, dict) and isinstance(a.get("file"), str) for a in also):
        problems.append("also must be a list of {file, lines} tables")
        also = []
    for place in [label, *also]:
        lines = place.get("lines")
        if not (isinstance(lines, list) and len(lines) == 2 and all(isinstance(n, int) for n in lines)
                and 1 <= lines[0] <= lines[1]):
            problems.append(f"lines must be [first, last] with 1 <= first <= last, not {lines!r}")
    return problems


def _count_lines(path: str) -> int:
    with open(path, encoding="utf-8", errors="replace") as fh:
        return len(fh.read().splitlines())


def file_problems(project: Project) -> list[str]:
    """Problems with one project file on its own: fields, kind against labels, each label's shape."""
    problems = []
    if not re.fullmatch(r"[0-9a-f]{40}", project.commit):
        problems.append(f"commit {project.commit!r} is not a full 40-hex commit id")
    if os.path.splitext(os.path.basename(project.source))[0] != project.name:
        problems.append(f"name {project.name!r} differs from its file name")
    if project.kind == "ordinary" and project.labels:
        problems.append("an ordinary project has labels")
    if project.kind == "vulnerable" and not project.labels:
        problems.append("a vulnerable project has no labels")
    for n, label in enumerate(project.labels, 1):
        problems += [f"label {n}: {p}" for p in _label_problems(label)]
    return problems


def checkout_problems(project: Project, root: str) -> list[str]:
    """Problems with the project's checkout under ``root``: commit, paths, labelled files and line ranges."""
    problems: list[str] = []
    base = os.path.join(root, project.name)
    if not os.path.isdir(base):
        return [f"no checkout at {base}"]
    if os.path.exists(os.path.join(base, ".git")):
        try:
            head = subprocess.run(["git", "-C", base, "rev-parse", "HEAD"], capture_output=True, text=True,
                                  check=False)
        except OSError as exc:
            return [*problems, f"cannot run git to read the checkout's commit: {exc}"]
        if head.returncode:
            problems.append(f"git rev-parse HEAD failed in {base}")
        elif head.stdout.strip() != project.commit:
            problems.append(f"checkout is at {head.stdout.strip()}, not at the pinned {project.commit}")
    for sub in project.paths:
        if not os.path.exists(os.path.join(base, sub)):
            problems.append(f"path {sub!r} is not in the checkout")
    for n, label in enumerate(project.labels, 1):
        if _label_problems(label):
            continue
        for file, lo, hi in label_places(label):
            full = os.path.join(base, file)
            if not os.path.isfile(full):
                problems.append(f"label {n}: {file} is not in the checkout")
            elif hi > (count := _count_lines(full)):
                problems.append(f"label {n}: lines {lo}-{hi} run past the end of {file} ({count} lines)")
    return problems


def check_project(project: Project, root: str) -> list[str]:
    """Problems with one project file and its checkout under ``root``; runs no analysis tool."""
    return file_problems(project) + checkout_problems(project, root)


def check(projects: list[Project], root: str) -> int:
    failed = 0
    for p in projects:
        problems = check_project(p, root)
        failed += bool(problems)
        status = "ok" if not problems else "FAIL"
        print(f"{status} {p.name} ({p.half}, {p.kind}, {len(p.labels)} labels, {p.repo}@{p.commit[:12]})")
        for problem in problems:
            print(f"    {problem}")
    print(f"{len(projects) - failed} of {len(projects)} project files and checkouts pass; no tool was run")
    return 1 if failed else 0


def _bin(name: str) -> str:
    local = os.path.join(os.path.dirname(sys.executable), name)
    return local if os.path.exists(local) else (shutil.which(name) or name)


def _rel(path: str, base: str) -> str:
    return os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/")


# one audit of all the project's paths, as `apishield audit PATH...` runs it (Bandit and Semgrep get them all at
# once too); the engine groups paths of one import tree into one project, so each finding is printed with the
# folder its path is relative to
_APISHIELD = """
import json, os, sys
from apishield.audit import engine
from apishield.audit.config import AuditConfig
from apishield.audit.discover import projects
out = []
for project in projects(sys.argv[1:]):
    result = engine.run(list(project.paths), AuditConfig())
    where = project.root if os.path.isdir(project.root) else os.path.dirname(project.root)
    for f in result.findings:
        if f.location is not None:
            out.append([where, f.location.path, f.location.line, f.rule_id, f.severity.name, list(f.cwe)])
json.dump(out, sys.stdout)
"""


class ToolFailed(Exception):
    """A tool crashed on one project: the run goes on, the project counts as no finding of that tool, and the
    report says so (a crash must never pass for a clean result)."""


def run_apishield(project: Project, base: str) -> list[Hit]:
    targets = [os.path.join(base, p) for p in project.paths]
    proc = subprocess.run([sys.executable, "-c", _APISHIELD, *targets], capture_output=True, text=True, check=False)
    if proc.returncode:
        last = proc.stderr.strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        raise ToolFailed(f"apishield failed on {project.name}: {last[0]}")
    hits = []
    for where, path, line, rule, severity, cwe in json.loads(proc.stdout):
        full = path if os.path.isabs(path) else os.path.join(where, path)
        hits.append(Hit("apishield", project.name, _rel(full, base), line, rule, severity.lower(), tuple(cwe)))
    return hits


def run_bandit(project: Project, base: str) -> list[Hit]:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bandit.json")
        subprocess.run([sys.executable, "-m", "bandit", "-r", *[os.path.join(base, p) for p in project.paths],
                        "-f", "json", "-o", out, "-q"], check=False, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        with open(out, encoding="utf-8") as fh:
            data = json.load(fh)
    hits = []
    for r in data.get("results", []):
        cwe = (r.get("issue_cwe") or {}).get("id")
        hits.append(Hit("bandit", project.name, _rel(r["filename"], base), r["line_number"], r["test_id"],
                        r["issue_severity"].lower(), (int(cwe),) if cwe else ()))
    return hits


def semgrep_rules_dir(rules: str, tmp: str) -> str:
    """Only the rule YAML files of semgrep-rules' python/ folder (its test fixtures are targets, not rules)."""
    config = os.path.join(rules, "python")
    rules_dir = os.path.join(tmp, "rules")
    for dirpath, _, files in os.walk(config):
        for name in files:
            if name.endswith((".yaml", ".yml")) and not name.endswith((".test.yaml", ".fixed.yaml")):
                dest = os.path.join(rules_dir, os.path.relpath(os.path.join(dirpath, name), config))
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copy(os.path.join(dirpath, name), dest)
    return rules_dir


def run_semgrep(project: Project, base: str, rules_dir: str) -> list[Hit]:
    proc = subprocess.run([_bin("semgrep"), "scan", "--config", rules_dir, "--metrics", "off", "--json", "--quiet",
                           "--disable-version-check", "--no-git-ignore",
                           *[os.path.join(base, p) for p in project.paths]],
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "SEMGREP_SEND_METRICS": "off"})
    try:
        data = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        raise ToolFailed(f"semgrep failed on {project.name}: {proc.stderr[-300:]}") from None
    hits = []
    for r in data.get("results", []):
        extra = r.get("extra", {})
        cwes = (extra.get("metadata", {}) or {}).get("cwe") or []
        if isinstance(cwes, str):
            cwes = [cwes]
        nums = tuple(int(m.group(1)) for c in cwes if (m := re.search(r"CWE-(\d+)", str(c))))
        severity = {"ERROR": "high", "WARNING": "medium"}.get(str(extra.get("severity", "")).upper(), "low")
        rule = str(r.get("check_id", "")).rsplit(".", 1)[-1]
        hits.append(Hit("semgrep", project.name, _rel(r["path"], base), r["start"]["line"], rule, severity, nums))
    return hits


def medium_plus(hits: list[Hit]) -> list[Hit]:
    """Medium-or-higher findings, one per key (a rule reporting the same line twice counts once; CWEs merged)."""
    merged: dict[str, Hit] = {}
    for h in hits:
        if h.severity not in ("medium", "high", "critical"):
            continue
        old = merged.get(h.key)
        merged[h.key] = h if old is None else Hit(**{**asdict(old), "cwe": tuple(sorted(set(old.cwe) | set(h.cwe)))})
    return list(merged.values())


def label_places(label: dict[str, Any]) -> list[tuple[str, int, int]]:
    places = [(label["file"], *label["lines"])]
    places += [(a["file"], *a["lines"]) for a in label.get("also", [])]
    return places


def matches(label: dict[str, Any], hit: Hit, judgements: dict[str, dict[str, Any]] | None = None) -> bool:
    """Does ``hit`` find ``label``? A finding judged false (its claim is wrong) never does; judged-true and
    unjudged findings do when they share a CWE and lie within ``SLACK`` lines of one of the label's places."""
    if judgements is not None and judgements.get(hit.key, {}).get("ok") is False:
        return False
    if not set(label["cwe"]) & set(hit.cwe):
        return False
    return any(hit.path == f and lo - SLACK <= hit.line <= hi + SLACK for f, lo, hi in label_places(label))


@dataclass
class Tally:
    true: int = 0
    false: int = 0
    unjudged: int = 0
    labels: int = 0
    found: int = 0

    def precision(self) -> str:
        judged = self.true + self.false
        return f"{self.true / judged:.2f}" if judged else "n/a"

    def recall(self) -> str:
        return f"{self.found / self.labels:.2f}" if self.labels else "n/a"


def judge(project: Project, hits: list[Hit], tally: Tally, unjudged: list[tuple[Project, Hit]]) -> None:
    for hit in hits:
        verdict = project.judgements.get(hit.key)
        if verdict is None:
            tally.unjudged += 1
            unjudged.append((project, hit))
        elif verdict.get("ok") is True:
            tally.true += 1
        else:
            tally.false += 1


def snippet(root: str, project: Project, hit: Hit) -> str:
    try:
        with open(os.path.join(root, project.name, hit.path), encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
        return lines[hit.line - 1].strip()[:110]
    except (OSError, IndexError):
        return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=DEFAULT_ROOT)
    parser.add_argument("--semgrep-rules", default=DEFAULT_RULES)
    parser.add_argument("--no-semgrep", action="store_true")
    parser.add_argument("--half", choices=(*HALVES, "all"), default="all")
    parser.add_argument("--unjudged", action="store_true", help="list every unjudged medium+ finding")
    parser.add_argument("--labels", action="store_true", help="list each label with the tools that found it")
    parser.add_argument("--save", help="write the tools' findings to this JSON file")
    parser.add_argument("--load", help="read the tools' findings from this JSON file instead of running them")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of tools to run")
    parser.add_argument("--check", action="store_true",
                        help="only load and check the project files and their checkouts; run no tool")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="only this project (repeatable); the half still applies")
    args = parser.parse_args()

    every = load_projects(DATA)
    projects = [p for p in every if args.half in ("all", p.half) and (not args.only or p.name in args.only)]
    unknown = sorted(set(args.only) - {p.name for p in every})
    if unknown:
        print(f"no project file named {', '.join(unknown)}", file=sys.stderr)
        return 2
    if args.check:
        return check(projects, args.root)
    tools = [t for t in args.tools.split(",") if t in TOOLS]
    if args.no_semgrep or not (args.load or os.path.isdir(os.path.join(args.semgrep_rules, "python"))):
        tools = [t for t in tools if t != "semgrep"]
    found: dict[str, dict[str, list[Hit]]] = defaultdict(dict)
    failures: list[str] = []
    if args.load:
        with open(args.load, encoding="utf-8") as fh:
            for row in json.load(fh):
                hit = Hit(**{**row, "cwe": tuple(row["cwe"])})
                found[hit.project].setdefault(hit.tool, []).append(hit)
        tools = [t for t in tools if any(t in found[p.name] for p in projects)]
    else:
        missing = [p.name for p in projects if not os.path.isdir(os.path.join(args.root, p.name))]
        if missing:
            print(f"missing project directories under {args.root}: {', '.join(missing)}", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory() as tmp:
            rules_dir = semgrep_rules_dir(args.semgrep_rules, tmp) if "semgrep" in tools else ""
            for p in projects:
                base = os.path.join(args.root, p.name)
                for tool in tools:
                    try:
                        found[p.name][tool] = (run_apishield(p, base) if tool == "apishield" else
                                               run_bandit(p, base) if tool == "bandit" else
                                               run_semgrep(p, base, rules_dir))
                    except ToolFailed as exc:
                        found[p.name][tool] = []
                        failures.append(str(exc))
                        print(f"FAILED: {exc}", file=sys.stderr)
                print(f"ran {', '.join(tools)} on {p.name}", file=sys.stderr)
        if args.save:
            with open(args.save, "w", encoding="utf-8") as fh:
                json.dump([asdict(h) for p in found.values() for hs in p.values() for h in hs], fh, indent=0)

    unjudged: list[tuple[Project, Hit]] = []
    for half in HALVES:
        members = [p for p in projects if p.half == half]
        if not members:
            continue
        print(f"\n## {half} half: {', '.join(p.name for p in members)}")
        for kind, title in (("ordinary", "ordinary APIs (medium+ findings)"),
                            ("vulnerable", "deliberately vulnerable apps (medium+)")):
            group = [p for p in members if p.kind == kind]
            if not group:
                continue
            print(f"\n### {title}: {', '.join(p.name for p in group)}\n")
            if kind == "ordinary":
                print("| tool | findings | true | false | unjudged | precision |\n|---|---|---|---|---|---|")
            else:
                print("| tool | labels | found | recall | findings | true | false | unjudged | precision |\n"
                      "|---|---|---|---|---|---|---|---|---|")
            for tool in tools:
                tally = Tally()
                for p in group:
                    hits = medium_plus(found[p.name].get(tool, []))
                    judge(p, hits, tally, unjudged)
                    tally.labels += len(p.labels)
                    tally.found += sum(any(matches(lab, h, p.judgements) for h in hits) for lab in p.labels)
                n = tally.true + tally.false + tally.unjudged
                if kind == "ordinary":
                    print(f"| {tool} | {n} | {tally.true} | {tally.false} | {tally.unjudged} | {tally.precision()} |")
                else:
                    print(f"| {tool} | {tally.labels} | {tally.found} | {tally.recall()} | {n} | {tally.true} | "
                          f"{tally.false} | {tally.unjudged} | {tally.precision()} |")
    if args.labels:
        print("\nlabels (tools whose medium+ findings match):")
        for p in projects:
            for lab in p.labels:
                who = [t for t in tools
                       if any(matches(lab, h, p.judgements) for h in medium_plus(found[p.name].get(t, [])))]
                print(f"{p.half[:4]} {p.name} {lab['file']}:{lab['lines'][0]} cwe={lab['cwe']} -> "
                      f"{', '.join(who) or '-'}  ({lab['what']})")
    if failures:
        print("\ntool failures (each counted as no finding of that tool on that project):")
        for failure in failures:
            print(f"- {failure}")
    if unjudged:
        print(f"\nunjudged medium+ findings: {len(unjudged)}")
        if args.unjudged:
            for p, h in unjudged:
                print(f'{p.name}  "{h.key}"  {h.severity} cwe={list(h.cwe)}  | {snippet(args.root, p, h)}')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
