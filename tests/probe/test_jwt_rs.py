"""RS→HS algorithm confusion and ``kid`` injection against the vulnerable app in RS256 mode (JWKS published)."""

from __future__ import annotations

import asyncio

from apishield.probe.engine import ProbeOptions
from apishield.probe.runner import ProbeConfig, probe
from tests.probe.servers import ALL_WEAKNESSES, serve_env


def test_rs_to_hs_confusion_and_kid_injection_are_proven() -> None:
    with serve_env("bottle", "vulnerable", {"PROBE_APP_JWT": "rs256"}) as served:
        options = ProbeOptions(budget=120, rate=0, seed=2, checks=("jwt",))
        result = asyncio.run(probe(ProbeConfig(served.url, options=options)))
    rules = {f.rule_id for f in result.findings}
    planted = {w["rule"] for w in ALL_WEAKNESSES if w.get("mode") == "rs256"}
    assert planted == {"PR-JWT-005", "PR-JWT-006"} and planted <= rules
    assert "PR-JWT-003" not in rules  # RS256 tokens: nothing to crack
    confusion = next(f for f in result.findings if f.rule_id == "PR-JWT-005")
    assert confusion.evidence is not None and "200" in confusion.evidence.response.splitlines()[0]
