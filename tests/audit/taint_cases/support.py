"""Shared helpers for the taint/injection/cookie tests: run the real checks on a snippet."""

from __future__ import annotations

import textwrap

from apishield.audit import engine
from apishield.audit.rules.registry import all_checks
from apishield.findings import Finding


def run(source: str, *, path: str = "app.py", abspath: str = "") -> list[Finding]:
    engine.load_rules()
    ctx = engine.parse_module(path, textwrap.dedent(source), abspath)
    out: list[Finding] = []
    for registered in all_checks():
        if registered.scope == "module":
            out.extend(registered.check(ctx))
    return out


def ids(source: str, **kw: str) -> list[str]:
    return sorted(f.rule_id for f in run(source, **kw))


def has(source: str, rule_id: str, **kw: str) -> bool:
    return rule_id in ids(source, **kw)


def proven(source: str, rule_id: str, **kw: str) -> bool:
    return any(f.rule_id == rule_id and f.extra.get("taint") == "proven" for f in run(source, **kw))
