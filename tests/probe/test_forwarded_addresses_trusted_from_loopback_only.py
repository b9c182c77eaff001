"""A rate limit that a made-up ``X-Forwarded-For`` gets past from 127.0.0.1 is asked again from 127.0.0.2: an
application that keys its limit on the header itself lets it through from there too (PR-RATE-002), while a server
that trusts the header only from 127.0.0.1 — uvicorn's and gunicorn's default for a local proxy — does not, and the
run says so in a note instead of a finding."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

PATHS: dict[str, Any] = {"/api/quote": {"get": {"responses": OK}}}


def _app(trust: str) -> Any:
    hits: Counter[str] = Counter()

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        peer = headers.get("x-loopback-peer", "")
        forwarded = headers.get("X-Forwarded-For") or headers.get("X-Real-IP")
        client = forwarded if forwarded and (trust == "header" or (trust == "local-proxy" and peer == "127.0.0.1")) \
            else peer
        hits[client] += 1
        if hits[client] > 5:
            return 429, {"Retry-After": "60"}, {"detail": "slow down"}
        return 200, {}, {"quote": "ok"}

    app.wants_peer = True  # type: ignore[attr-defined]
    return app


@pytest.mark.parametrize(("trust", "reported"), [("header", True), ("local-proxy", False), ("peer", False)])
def test_forwarded_address_bypass_confirmed_from_another_address(tmp_path: Path, trust: str, reported: bool) -> None:
    with loopback(_app(trust)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("ratelimit",))
    assert (("PR-RATE-002", "GET", "/api/quote") in findings_at(result)) is reported
    if trust == "local-proxy":
        assert any("127.0.0.1 only" in note for note in result.notes)
