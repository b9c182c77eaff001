"""A JWT without ``exp`` that carries the application's own expiry claim holding a time (``expires``: login time +
3600 s, ``valid_until``: a date) has a lifetime under another name: it is at most noted, never reported as a token
that never expires. A token with neither (only the login time, or an ``expires`` that is no time) fires
(PR-JWT-007)."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt as pyjwt
import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import Answer, Handler, loopback, probe_paths

LOGIN_BODY = {"content": {"application/json": {"schema": {"type": "object", "required": ["username", "password"],
                                                           "properties": {"username": {"type": "string"},
                                                                          "password": {"type": "string"}}}}}}
SPEC = {"/login": {"post": {"requestBody": LOGIN_BODY, "responses": {"200": {"description": "token"}}}},
        "/me": {"get": {"security": [{"bearerAuth": []}], "responses": {"200": {"description": "me"}}}}}
USERS = {"alice": "alice-pass-1", "bob": "bob-pass-2"}
SECRET = "k3-Vq9!zR7wL2xT8nB5mC1dF6gH4jS0aP"


def _app(extra: dict[str, Any]) -> Handler:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if method == "POST" and route == "/login":
            sent = json.loads(body or b"{}")
            if USERS.get(str(sent.get("username"))) != sent.get("password"):
                return 401, {}, {"error": "invalid credentials"}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                token = pyjwt.encode({"username": sent["username"], **extra}, SECRET, algorithm="HS256")
            return 200, {}, {"token": token}
        if method == "GET" and route == "/me":
            try:
                claims = pyjwt.decode(headers.get("Authorization", "").removeprefix("Bearer "), SECRET,
                                      algorithms=["HS256"])
            except pyjwt.PyJWTError:
                return 401, {}, {"error": "sign in"}
            return 200, {}, {"username": claims["username"]}
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize(("extra", "reported"), [
    ({"logged_in_at": int(time.time())}, True),
    ({"expires": "on logout"}, True),
    ({"expires": time.time() + 3600}, False),
    ({"valid_until": "2031-01-01T00:00:00Z"}, False),
])
def test_application_expiry_claims(tmp_path: Path, extra: dict[str, Any], reported: bool) -> None:
    recipe = LoginRecipe("POST", "/login", token_path="token",
                         bodies=({"username": "alice", "password": "alice-pass-1"},
                                 {"username": "bob", "password": "bob-pass-2"}))
    with loopback(_app(extra)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("jwt",), login=recipe)
    assert bool([f for f in result.findings if f.rule_id == "PR-JWT-007"]) is reported
    assert reported or any("own expiry claim" in note for note in result.notes)


@pytest.mark.parametrize(("lifetime", "with_iat", "reported"), [
    (30 * 86_400, True, True), (3 * 86_400, False, True), (86_400, True, False), (900, True, False)])
def test_a_token_that_lives_longer_than_a_day(tmp_path: Path, lifetime: int, with_iat: bool, reported: bool) -> None:
    now = int(time.time())
    extra: dict[str, Any] = {"exp": now + lifetime, **({"iat": now} if with_iat else {})}
    recipe = LoginRecipe("POST", "/login", token_path="token",
                         bodies=({"username": "alice", "password": "alice-pass-1"},
                                 {"username": "bob", "password": "bob-pass-2"}))
    with loopback(_app(extra)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("jwt",), login=recipe)
    long_lived = [f for f in result.findings if f.rule_id == "PR-JWT-010"]
    assert bool(long_lived) is reported
    assert not [f for f in result.findings if f.rule_id == "PR-JWT-007"]


def test_a_long_lived_token_handed_to_the_probe_is_only_noted(tmp_path: Path) -> None:
    """A token given with --auth was minted by whoever gave it, not obtained from the API by the run: its lifetime
    says nothing about the API and is noted, not reported."""
    now = int(time.time())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        token = pyjwt.encode({"username": "alice", "iat": now, "exp": now + 30 * 86_400}, SECRET, algorithm="HS256")
    with loopback(_app({})) as url:
        result = probe_paths(tmp_path, url, SPEC, ("jwt",), auth=(f"alice=Authorization:Bearer {token}",))
    assert not [f for f in result.findings if f.rule_id == "PR-JWT-010"]
    assert any("not reported, since the run did not obtain it" in note for note in result.notes)
