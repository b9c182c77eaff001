"""The probe survives hostile servers with clean results and clean errors."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from apishield.cli import main
from apishield.probe.checks.host_header import FORGED
from apishield.probe.client import ProbeClient
from apishield.probe.engine import ProbeOptions
from apishield.probe.runner import ProbeConfig, probe
from tests.probe.hostile import Handler, hostile_server


async def _get(url: str, path: str, **kw: object) -> object:
    client = ProbeClient(url, rate=0, **kw)  # type: ignore[arg-type]
    try:
        return await client.request("GET", path)
    finally:
        await client.aclose()


def test_huge_body_is_capped() -> None:
    with hostile_server() as url:
        started = time.monotonic()
        ex = asyncio.run(_get(url, "/huge", max_body=100_000))
        assert ex.status == 200 and ex.truncated and len(ex.body) == 100_000  # type: ignore[attr-defined]
        assert time.monotonic() - started < 5


def test_slow_and_dripping_answers_time_out() -> None:
    with hostile_server() as url:
        started = time.monotonic()
        slow = asyncio.run(_get(url, "/slow", timeout=0.5))
        drip = asyncio.run(_get(url, "/drip", timeout=0.5))
        assert slow.status is None and "Timeout" in slow.error  # type: ignore[attr-defined]
        assert drip.status is None or drip.truncated or len(drip.body) < 100_000  # type: ignore[attr-defined]
        assert time.monotonic() - started < 6


def test_redirects_are_never_followed() -> None:
    with hostile_server() as url:
        ex = asyncio.run(_get(url, "/redirect"))
        loop = asyncio.run(_get(url, "/loop"))
        assert ex.status == 302 and loop.status == 302  # type: ignore[attr-defined]
        assert [p for _, p, _ in Handler.seen] == ["/redirect", "/loop"]


def test_full_probe_against_hostile_server_completes_in_budget() -> None:
    with hostile_server() as url:
        options = ProbeOptions(budget=60, rate=0, timeout=0.5, max_body=50_000)
        result = asyncio.run(probe(ProbeConfig(url, options=options)))
        assert result.requests_used <= 60
        assert len(Handler.seen) <= 60
        host = url.split("//")[1]
        # every request reached this server; the only other Host it named is the host_header check's reserved one
        assert {h for _, _, h in Handler.seen} - {FORGED} == {host}
        assert all(not f.rule_id.startswith(("PR-SQLI", "PR-BOLA")) for f in result.findings)


@pytest.mark.parametrize("spec", ["{not json", "[1, 2]", json.dumps({"openapi": "3.0.0"}),
                                  json.dumps({"openapi": "3.0.0", "paths": {"/a": {"get": {"parameters": [
                                      {"$ref": "#/components/parameters/a"}]}}},
                                      "components": {"parameters": {"a": {"$ref": "#/components/parameters/a"}}}}),
                                  json.dumps({"swagger": "1.2"})])
def test_invalid_spec_is_one_clean_line(spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    with hostile_server(spec) as url:
        code = main(["probe", url, "--openapi", "/openapi.json", "--no-progress", "--budget", "20"])
    err = capsys.readouterr().err
    assert code == 3
    assert err.startswith("apishield probe: error:") and err.count("\n") == 1 and "Traceback" not in err


def test_unreachable_target_is_a_clean_error(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import free_port

    code = main(["probe", f"http://127.0.0.1:{free_port()}", "--no-progress", "--budget", "20", "--timeout", "1"])
    err = capsys.readouterr().err
    assert code == 3 and "target unreachable" in err and "Traceback" not in err and err.count("\n") == 1
