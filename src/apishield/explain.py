"""One documentation page per rule, from the rule tables: ``apishield explain ID`` and the documentation site.

Audit rules (``ASnnn``) come from the audit registry (the check's docstring says what it detects, the rule's
fix how to repair it); probe rules (``PR-XXX-nnn``) from the probe's rule table and the check that proves
them. Bad and good code come from ``rule_examples.toml`` next to this module, whose every audit example is
audited by the test-suite (the bad one must fire the rule, the good one must stay quiet), so a page never
shows an example the auditor disagrees with. The documentation site renders the same pages at build time.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from apishield.errors import ConfigError
from apishield.findings import Rule

AUDIT = "audit"
PROBE = "probe"
_FENCE = {"python": "python", "html": "html", "http": "http", "toml": "toml", "text": "text"}


@dataclass(frozen=True, slots=True)
class RuleDoc:
    """Everything a rule's page shows."""

    rule: Rule
    kind: str  # "audit" or "probe"
    detects: str  # what the check looks for (docstring)
    scope: str  # audit: module / template / project; probe: the check's name

    @property
    def id(self) -> str:
        return self.rule.id


@cache
def _audit_docs() -> dict[str, RuleDoc]:
    from apishield.audit.engine import load_rules
    from apishield.audit.rules.registry import all_rules

    load_rules()
    out: dict[str, RuleDoc] = {}
    for registered in all_rules():
        text = inspect.cleandoc(registered.doc)
        first, _, rest = text.partition("\n")
        # docstrings open with "ASnnn — ..." (the id repeats the page title); keep the sentence after it
        prefix = f"{registered.rule.id} — "
        if first.startswith(prefix):
            text = (first[len(prefix):] + ("\n" + rest if rest else "")).strip()
            text = text[:1].upper() + text[1:]
        out[registered.rule.id] = RuleDoc(registered.rule, AUDIT, text, registered.scope)
    return out


@cache
def _probe_docs() -> dict[str, RuleDoc]:
    from apishield.probe import checks as _checks  # noqa: F401 - registers the checks
    from apishield.probe.engine import CHECKS

    out: dict[str, RuleDoc] = {}
    for spec in CHECKS:
        for rule in spec.rules:
            if rule.id not in out:
                out[rule.id] = RuleDoc(rule, PROBE, inspect.cleandoc(spec.doc), spec.name)
    return dict(sorted(out.items()))


def audit_ids() -> list[str]:
    return list(_audit_docs())


def probe_ids() -> list[str]:
    return list(_probe_docs())


def rule_ids() -> list[str]:
    """Every documented rule id: the audit rules, then the probe rules."""
    return [*audit_ids(), *probe_ids()]


def lookup(rule_id: str) -> RuleDoc:
    """The rule ``rule_id`` (case-insensitive); ``KeyError`` with close matches when unknown."""
    wanted = rule_id.strip().upper()
    for table in (_audit_docs(), _probe_docs()):
        if wanted in table:
            return table[wanted]
    import difflib

    ids = rule_ids()
    # a letter typed for a look-alike digit (AS3O1, ASl01) names one rule: offer it first
    digits = re.sub(r"(?<=\d)[OIL]|[OIL](?=\d)", lambda m: "0" if m.group() == "O" else "1", wanted)
    close = [digits] if digits in ids and digits != wanted else []
    close += [c for c in difflib.get_close_matches(wanted, ids, n=3, cutoff=0.5) if c not in close][: 3 - len(close)]
    hint = f"; did you mean {', '.join(close)}?" if close else "; `apishield explain --list` lists them"
    raise KeyError(f"unknown rule id {rule_id!r}{hint}")


@cache
def examples() -> dict[str, list[dict[str, str]]]:
    """Bad/good code per rule id from ``rule_examples.toml`` (a list of examples per id)."""
    text = resources.files("apishield").joinpath("rule_examples.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    out: dict[str, list[dict[str, str]]] = {}
    for rule_id, value in data.items():
        items = value if isinstance(value, list) else [value]
        out[rule_id] = [{k: str(v) for k, v in item.items()} for item in items]
    return out


def _cwe_links(cwes: tuple[int, ...]) -> str:
    return ", ".join(f"[CWE-{c}](https://cwe.mitre.org/data/definitions/{c}.html)" for c in cwes)


def _fixes(fix: str) -> str:
    lines = [line.strip() for line in fix.splitlines() if line.strip()]
    if len(lines) == 1:
        return lines[0]
    out = []
    for line in lines:
        framework, sep, text = line.partition(": ")
        if sep and framework.isidentifier() and framework.islower():
            out.append(f"- **{framework}**: {text}")
        else:
            out.append(f"- {line}")
    return "\n".join(out)


def _example_block(example: dict[str, str]) -> str:
    lang = _FENCE.get(example.get("language", "python"), "text")
    where = example.get("framework", "")
    title = f" ({where})" if where and where != "any" else ""
    parts = []
    if example.get("note"):
        parts.append(example["note"] + "\n")
    parts.append(f"Flagged{title}:\n\n```{lang}\n{example['bad'].rstrip()}\n```\n")
    parts.append(f"Fixed{title}:\n\n```{lang}\n{example['good'].rstrip()}\n```\n")
    return "\n".join(parts)


def _suppress(doc: RuleDoc) -> str:
    rid = doc.id
    if doc.kind == AUDIT:
        return (
            f"Fix the code if you can. When a finding is reviewed and accepted, silence it where it is with a "
            f"comment on the line or the line above, with the reason:\n\n"
            f"```python\n# apishield: ignore[{rid}] reviewed: <why this is safe>\n```\n\n"
            f"Templates take the same text in their comment syntax (`{{# apishield: ignore[{rid}] #}}`). "
            f"To turn the rule off for a whole project, list it in `pyproject.toml`:\n\n"
            f"```toml\n[tool.apishield.audit]\ndisable = [\"{rid}\"]\n```\n\n"
            f"or pass `--disable {rid}`; `[tool.apishield.audit.severity]` can lower its severity instead, and "
            f"a baseline (`--write-baseline` / `--baseline`) accepts today's findings while new ones still fail."
        )
    return (
        f"Fix the API and probe again. A probe finding has no inline suppression: it is evidence about the "
        f"running service. To leave this family out of a run use `--skip {doc.scope}` (or `--checks` to run "
        f"only some); to fail CI only on what a new build adds, compare with the deployed one using "
        f"`--baseline-url URL`; `--fail-on` sets the severity that fails the run."
    )


def page(rule_id: str) -> str:
    """The Markdown page of one rule."""
    doc = lookup(rule_id)
    rule = doc.rule
    kind = (
        "audit rule (`apishield audit`)"
        if doc.kind == AUDIT
        else f"probe rule (`apishield probe`, check `{doc.scope}`)"
    )
    out = [
        f"# {rule.id} — {rule.title}\n",
        f"*{kind}*\n",
        "| severity | confidence | CWE | OWASP API Security Top 10 |",
        "| --- | --- | --- | --- |",
        f"| {rule.severity.label} | {rule.confidence.label} | {_cwe_links(rule.cwe)} | {rule.owasp} |\n",
        "## What it detects\n",
        doc.detects + "\n" if doc.kind == AUDIT else _probe_detects(doc),
        "## Why it matters\n",
        (rule.description or rule.title) + "\n",
        "## How to fix it\n",
        _fixes(rule.fix) + "\n",
    ]
    related = _related(doc)
    found = examples().get(rule.id)
    source = ""
    if not found and doc.kind == PROBE:  # the code behind a probe finding: the related audit rule's example
        for candidate in related:
            if examples().get(candidate.id):
                found, source = examples()[candidate.id], candidate.id
                break
    if found:
        out.append("## Example\n")
        if source:
            out.append(f"Code that lets this through, and its fix (the example of audit rule {source}):\n")
        out.extend(_example_block(example) for example in found)
    if related:
        tool = "audit" if doc.kind == PROBE else "probe"
        out.append("## Related rules\n")
        out.append(
            f"The {tool} rules that look for the same weakness (CWE-{rule.primary_cwe}) from the other side"
            + (" — in the code, before deployment:" if tool == "audit" else " — on the running API:")
            + "\n"
        )
        out.extend(f"- [{r.id}]({r.id}.md) — {r.title}" for r in related)
        out.append("")
    out.append("## How to suppress it\n")
    out.append(_suppress(doc) + "\n")
    return "\n".join(out)


def _related(doc: RuleDoc) -> list[Rule]:
    """Rules of the other tool whose primary CWE is this rule's primary CWE."""
    table = _probe_docs() if doc.kind == AUDIT else _audit_docs()
    return [other.rule for other in table.values() if other.rule.primary_cwe == doc.rule.primary_cwe]


def _probe_detects(doc: RuleDoc) -> str:
    return (
        f"The `{doc.scope}` check proves it against the running API: {doc.rule.title[:1].lower()}"
        f"{doc.rule.title[1:]}. What the check does:\n\n{doc.detects}\n"
    )


def index_table(kind: str, link: str = "{id}.md") -> str:
    """A Markdown table of the rules of one kind, each id linking to its page."""
    table = _audit_docs() if kind == AUDIT else _probe_docs()
    rows = ["| id | title | severity | CWE | OWASP |", "| --- | --- | --- | --- | --- |"]
    for rid, doc in table.items():
        rule = doc.rule
        cwes = ", ".join(f"CWE-{c}" for c in rule.cwe)
        title = rule.title.replace("|", "\\|")
        rows.append(f"| [{rid}]({link.format(id=rid)}) | {title} | {rule.severity.label} | {cwes} | {rule.owasp} |")
    return "\n".join(rows) + "\n"


# --- command line ------------------------------------------------------------------------------------
def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="print the documentation page of an audit (ASnnn) or probe (PR-XXX-nnn) rule",
        description="Print a rule's page: what it detects, why it matters, CWE/OWASP, how to fix and suppress it.",
    )
    parser.add_argument("rule_id", nargs="?", metavar="ID", help="a rule id such as AS101 or PR-JWT-001")
    parser.add_argument("--list", action="store_true", help="list every rule id with its title and exit")
    parser.add_argument("--plain", action="store_true", help="print the Markdown source, without terminal styling")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    if args.list:
        for table in (_audit_docs(), _probe_docs()):
            for rid, doc in table.items():
                sys.stdout.write(f"{rid:<13} {doc.rule.severity.label:<9} {doc.rule.title}\n")
        return 0
    if not args.rule_id:
        raise ConfigError("give a rule id (e.g. `apishield explain AS101`), or --list")
    try:
        text = page(args.rule_id)
    except KeyError as exc:
        raise ConfigError(exc.args[0]) from None
    if args.plain or not sys.stdout.isatty():
        sys.stdout.write(text)
        return 0
    from rich.console import Console
    from rich.markdown import Markdown

    Console().print(Markdown(text))
    return 0


__all__ = ["RuleDoc", "audit_ids", "examples", "index_table", "lookup", "page", "probe_ids", "rule_ids"]
