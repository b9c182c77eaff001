"""An operation that does not answer its plain value (a handler waiting on a command that fails with it) still
gets the command-injection output canaries: one that makes the command line succeed is proven by its output,
and an operation that hangs whatever it is sent stays quiet."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from apishield.probe import ProbeOptions
from tests.probe.loopback import Answer, findings_at, loopback

PATHS = {"/status/{brand}": {"get": {"parameters": [
    {"name": "brand", "in": "path", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "status"}}}}}


def _app(shell: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not path.startswith("/status/"):
            return 404, {}, {"detail": "not found"}
        value = unquote(path.removeprefix("/status/"))
        canary = re.search(r";echo apshc\$\(\((\d+)\*(\d+)\)\);", value)
        if shell and canary:  # the canary's own command succeeds and its output comes back
            return 200, {}, {"output": f"apshc{int(canary[1]) * int(canary[2])}\n"}
        time.sleep(1.5)  # the plain command never completes within the probe's timeout
        return 200, {}, {"output": ""}
    return app


@pytest.mark.parametrize("shell", [True, False])
def test_command_canaries_run_when_the_baseline_times_out(tmp_path: Path, shell: bool) -> None:
    import asyncio
    import json

    from apishield.probe import ProbeConfig, probe

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": PATHS}))
    with loopback(_app(shell)) as url:
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(spec), options=ProbeOptions(
            budget=100, rate=0, checks=("injection",), timeout=0.5))))
    assert (("PR-CMDI-001", "GET", "/status/{brand}") in findings_at(result)) is shell
