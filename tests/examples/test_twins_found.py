"""End to end: every planted weakness of every twin is found by `apishield audit` or `apishield probe`.

Uses the demo's own run (shared with tests/demo in one xdist group, so it runs once): audit each twin's
directory, serve it on loopback, create two identities, probe it. Skipped until both tools are installed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from apishield.findings import Finding
from tests.demo.runonce import demo_result, tools_available

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("demo"),
    pytest.mark.skipif(not tools_available(), reason="the auditor and the prober are not installed"),
]
LINE_TOLERANCE = 3


def found_by_audit(weakness: dict[str, Any], findings: list[Finding]) -> bool:
    for f in findings:
        if f.rule_id not in weakness["audit"] or f.location is None:
            continue
        if weakness["match"] == "app":
            return True
        for where in weakness["where"]:
            if f.location.path.endswith(where["file"]) and abs(f.location.line - where["line"]) <= LINE_TOLERANCE:
                return True
    return False


def found_by_probe(weakness: dict[str, Any], findings: list[Finding]) -> bool:
    return any(f.rule_id in weakness["probe"] for f in findings)


@pytest.mark.parametrize("twin", ["flask-twin", "cherrypy-twin", "bottle-twin"])
def test_every_planted_weakness_is_found(twin: str) -> None:
    result = demo_result()  # the demo's own run: audit the twin, serve it, probe it with two identities
    run = next(r for r in result.runs if r.app.name == twin)
    assert not run.errors, run.errors
    assert run.audit is not None and run.probe is not None and run.app.weaknesses is not None
    planted = json.loads(run.app.weaknesses.read_text(encoding="utf-8"))["weaknesses"]
    missed = [
        f"{w['id']} {w['what']} (audit {w['audit']}, probe {w['probe']})"
        for w in planted
        if not (found_by_audit(w, run.audit.findings) or found_by_probe(w, run.probe.findings))
    ]
    assert not missed, "\n".join(missed)
