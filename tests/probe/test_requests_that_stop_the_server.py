"""A request after which the target never answers again took it down: reported as a denial of service with the
request as evidence, once the probe has asked again and still got no answer. A target that drops one connection
and goes on answering, or one that never fails, gives no such finding."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from apishield.probe import ProbeConfig, ProbeOptions, probe
from tests.probe.loopback import Answer, DropConnection, StopServing, loopback

PATHS: dict[str, Any] = {
    "/api/items": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                           "responses": {"200": {"description": "ok"}}}},
    "/api/health": {"get": {"responses": {"200": {"description": "ok"}}}},
}


def _server(failure: type[DropConnection] | None) -> Any:
    """Answers every request, except that the first one carrying a quote ends with ``failure``."""
    failed: list[str] = []

    def handler(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if failure is not None and "%27" in path and not failed:
            failed.append(path)
            raise failure
        return 200, {}, {"items": []}

    return handler


@pytest.mark.parametrize(("failure", "reported"), [
    (StopServing, True),      # must fire: the server never answers again
    (DropConnection, False),  # must stay quiet: one connection dropped, the server goes on answering
    (None, False),            # must stay quiet: nothing went wrong
])
def test_a_request_that_stops_the_server_is_a_denial_of_service(tmp_path: Path, failure: type[DropConnection] | None,
                                                                 reported: bool) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": PATHS}))
    with loopback(_server(failure)) as url:  # a short wait for a restart that never comes keeps the test quick
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(spec), options=ProbeOptions(
            budget=400, rate=0, max_wait=2.0, checks=("injection", "crash")))))
    stopped = [f for f in result.findings if f.rule_id == "PR-ERR-005"]
    assert bool(stopped) is reported
    if reported:
        assert stopped[0].http_path == "/api/items"
        assert stopped[0].evidence is not None and "%27" in stopped[0].evidence.request
        assert not result.complete, "a run whose target went away is incomplete"
