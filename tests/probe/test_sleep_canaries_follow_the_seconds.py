"""A sleep canary (shell ``sleep N``, a pickle or YAML document whose only effect is ``time.sleep(N)``) proves
something only if the answer is delayed by about N seconds for N = 2 and N = 4. A target that stalls for its own
reasons (a database lock wait of a few seconds on every write) delays both answers alike: no finding. A shell
that really runs the canary is still found."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest

from apishield.probe.checks.shell import follows_seconds
from apishield.probe.client import Exchange
from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

STRING = {"type": "string"}


def _op(name: str) -> dict[str, Any]:
    return {"/run": {"get": {"parameters": [{"name": name, "in": "query", "schema": STRING}],
                             "responses": {"200": {"description": "done"}}}}}


def _app(behaviour: str) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not path.startswith("/run"):
            return 404, {}, {"detail": "not found"}
        value = unquote_plus(path.partition("=")[2])
        asked = re.search(r"sleep (\d+)|\(I(\d+)|time\.sleep \[(\d+)", value)
        if asked and behaviour == "shell":
            time.sleep(int(next(g for g in asked.groups() if g)))
        elif asked and behaviour == "stall":
            time.sleep(4.2)  # the same wait whatever N was asked: a lock held elsewhere
        return 200, {}, {"status": "queued"}
    return app


@pytest.mark.parametrize(("behaviour", "found"), [("shell", True), ("stall", False)])
def test_a_shell_sleep_must_follow_the_seconds_asked(tmp_path: Path, behaviour: str, found: bool) -> None:
    with loopback(_app(behaviour)) as url:
        result = probe_paths(tmp_path, url, _op("command"), ("injection",))
    assert any(r == "PR-CMDI-001" for r, _m, _p in findings_at(result)) is found


def test_a_stall_is_not_a_deserialised_sleep(tmp_path: Path) -> None:
    with loopback(_app("stall")) as url:
        result = probe_paths(tmp_path, url, _op("payload"), ("injection",))
    assert not any(r == "PR-DESER-001" for r, _m, _p in findings_at(result))


def _ex(elapsed: float) -> Exchange:
    return Exchange(seq=0, check="t", identity="anonymous", method="GET", url="http://127.0.0.1/", request_headers=(),
                    request_body=b"", status=200, response_headers=(), body=b"", truncated=False, elapsed=elapsed,
                    error=None)


@pytest.mark.parametrize(("short", "long", "follows"), [
    (2.05, 4.1, True), (2.4, 4.3, True), (5.0, 5.0, False), (4.0, 6.0, False), (1.5, 4.0, False), (2.0, 3.0, False),
])
def test_delays_follow_the_seconds_only_in_proportion(short: float, long: float, follows: bool) -> None:
    base = _ex(0.01)
    assert follows_seconds(base, _ex(0.01 + short), _ex(0.01 + long)) is follows


def test_time_canaries_run_one_at_a_time(tmp_path: Path) -> None:
    """On a server that answers one request at a time, one operation's real shell sleep must not make another
    operation look like it sleeps too: the probe never has two time canaries in flight."""
    import threading

    one_at_a_time = threading.Lock()

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        with one_at_a_time:
            value = unquote_plus(path.partition("=")[2])
            asked = re.search(r"sleep (\d+)", value)
            if path.startswith("/run") and asked:
                time.sleep(int(asked.group(1)))
            if path.startswith(("/run", "/echo")):
                return 200, {}, {"status": "done"}
            return 404, {}, {"detail": "not found"}

    paths = {**_op("command"), "/echo": {"get": {"parameters": [{"name": "cmd", "in": "query", "schema": STRING}],
                                                   "responses": {"200": {"description": "echo"}}}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, paths, ("injection",))
    found = {p for r, _m, p in findings_at(result) if r == "PR-CMDI-001"}
    assert found == {"/run"}
