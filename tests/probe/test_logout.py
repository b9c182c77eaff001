"""A logout must end the session it is given: the same credentials refused afterwards (PR-SESS-002), and the run
goes on with a fresh session either way."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

CREDENTIALS = {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}
PATHS = {"/login": {"post": {"requestBody": {"content": {"application/json": {"schema": CREDENTIALS}}},
                             "responses": OK}},
         "/logout": {"post": {"responses": OK, "security": [{"bearer": []}]}},
         "/me": {"get": {"responses": OK, "security": [{"bearer": []}]}}}


def _app(revokes: bool) -> Any:
    live: set[str] = set()

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        token = {k.lower(): v for k, v in headers.items()}.get("authorization", "").removeprefix("Bearer ")
        if path == "/login" and method == "POST":
            issued = secrets.token_hex(8)
            live.add(issued)
            return 200, {}, {"access_token": issued}
        if token not in live:
            return 401, {}, {"detail": "log in"}
        if path == "/logout" and method == "POST":
            if revokes:
                live.discard(token)
            return 200, {}, {"detail": "logged out"}
        if path == "/me":
            return 200, {}, {"id": 1, "username": "alice"}
        return 404, {}, {"detail": "not found"}
    return app


@pytest.mark.parametrize("revokes", [False, True])
def test_a_token_still_accepted_after_logout(tmp_path: Path, revokes: bool) -> None:
    recipe = LoginRecipe("POST", "/login", token_path="access_token",
                         bodies=({"username": "alice", "password": "pw"},))
    with loopback(_app(revokes)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("crawl", "logout"), login=recipe)
    assert (("PR-SESS-002", "POST", "/logout") in findings_at(result)) is not revokes
    assert result.coverage["checks"]["logout"]["ran"] >= 1  # the logout and the canary it asks
    assert not [u for u in result.coverage["not_ran"] if u["check"] == "logout"]


def test_ready_made_credentials_say_the_logout_was_not_tested(tmp_path: Path) -> None:
    """Given only a token (no login recipe), logging it out would end it for the rest of the run: not tested, and
    the units say so."""
    import httpx

    with loopback(_app(revokes=False)) as url:
        token = httpx.post(url + "/login", json={"username": "alice", "password": "pw"}).json()["access_token"]
        result = probe_paths(tmp_path, url, PATHS, ("crawl", "logout"), auth=(f"a=Authorization:Bearer {token}",))
    assert not [f for f in result.findings if f.rule_id == "PR-SESS-002"]
    assert result.coverage["checks"]["logout"]["n/a"] == 1
    assert "not tested" in str(result.coverage["checks"]["logout"]["reasons"])
