"""The labelled corpus: vulnerable and secure variants of small apps in all four frameworks.

Each app directory holds ``expected.json`` (hand-reviewed findings). Every expected finding must be reported
at its line; a secure variant must produce no finding of medium severity or above.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apishield.audit.config import AuditConfig
from apishield.audit.engine import run
from apishield.findings import Severity

CORPUS = Path(__file__).parent / "corpus"
APPS = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.json").is_file())


def test_corpus_covers_every_framework_in_both_variants() -> None:
    pairs = {tuple(name.split("_", 1)) for name in APPS}
    for framework in ("flask", "fastapi", "cherrypy", "bottle"):
        assert (framework, "vulnerable") in pairs
        assert (framework, "secure") in pairs


@pytest.mark.parametrize("app", APPS)
def test_corpus_app(app: str) -> None:
    expected = json.loads((CORPUS / app / "expected.json").read_text())
    result = run([str(CORPUS / app)], AuditConfig(), jobs=1)
    found = {(f.rule_id, f.location.path, f.location.line) for f in result.findings if f.location}
    missing = [e for e in expected["findings"] if (e["rule_id"], e["path"], e["line"]) not in found]
    assert not missing, f"{app}: expected findings not reported: {missing}"
    if expected["variant"] == "secure":
        noisy = [
            f"{f.rule_id} {f.location.path}:{f.location.line} {f.message}"
            for f in result.findings
            if f.severity >= Severity.MEDIUM and f.location
        ]
        assert not noisy, f"{app}: medium+ findings on a secure app: {noisy}"
    assert result.warnings == []
    assert result.routes, f"{app}: no route found"


def test_vulnerable_corpus_shows_every_framework_rule_family() -> None:
    seen: set[str] = set()
    for app in APPS:
        expected = json.loads((CORPUS / app / "expected.json").read_text())
        seen |= {e["rule_id"] for e in expected["findings"]}
    for rule_id in (
        "AS101",
        "AS102",
        "AS201",
        "AS202",
        "AS301",
        "AS302",
        "AS304",
        "AS305",
        "AS402",
        "AS502",
        "AS506",
        "AS601",
        "AS604",
        "AS701",
        "AS702",
    ):
        assert rule_id in seen
