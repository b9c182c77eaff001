"""A logout whose token no canary takes: the account's canary (``/session/me``) was proven with the other token the
API issues at ``/session/login``, and nothing else but the logout reads the main token. The logout itself then is
the reference, as it refuses anonymous callers and a tampered token: a second logout answered 2xx with the same
token is a token still accepted after logout (PR-SESS-002); a logout that revokes must stay quiet, and so must one
that answers 2xx to any caller (its 2xx proves nothing about the token)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearer": []}]
CREDENTIALS = {"content": {"application/json": {"schema": {
    "type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}}
TOKEN = {"200": {"description": "token", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"access_token": {"type": "string"}}}}}}}
PATHS = {"/login": {"post": {"requestBody": CREDENTIALS, "responses": TOKEN}},
         "/session/login": {"post": {"requestBody": CREDENTIALS, "responses": TOKEN}},
         "/session/me": {"get": {"responses": OK, "security": BEARER}},
         "/logout": {"post": {"responses": OK, "security": BEARER}}}


def _app(logout: str) -> Any:
    """``logout``: 'keeps' (the token stays valid), 'revokes', or 'open' (2xx to anyone, token or not)."""
    live: set[str] = set()

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        token = {k.lower(): v for k, v in headers.items()}.get("authorization", "").removeprefix("Bearer ")
        if method == "POST" and route in ("/login", "/session/login"):
            sent = json.loads(body or b"{}")
            if not isinstance(sent, dict) or sent.get("password") != "pw":
                return 401, {}, {"detail": "wrong credentials"}
            issued = ("s-" if route == "/session/login" else "m-") + secrets.token_hex(8)
            live.add(issued)
            return 200, {}, {"access_token": issued}
        if route == "/logout" and method == "POST":
            if logout == "open":
                return 200, {}, {"detail": "logged out"}
            if token not in live or not token.startswith("m-"):
                return 401, {}, {"detail": "log in"}
            if logout == "revokes":
                live.discard(token)
            return 200, {}, {"detail": "logged out"}
        if route == "/session/me" and method == "GET":
            return (200, {}, {"id": 1, "username": "alice"}) if token in live and token.startswith("s-") else (
                401, {}, {"detail": "log in"})
        return 404, {}, {"detail": "not found"}
    return app


@pytest.mark.parametrize(("logout", "kept"), [("keeps", True), ("revokes", False), ("open", False)])
def test_the_logout_is_asked_again_when_no_canary_takes_its_token(tmp_path: Path, logout: str, kept: bool) -> None:
    recipe = LoginRecipe("POST", "/login", token_path="access_token",
                         bodies=({"username": "alice", "password": "pw"},))
    with loopback(_app(logout)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("crawl", "logout"), login=recipe)
    assert (("PR-SESS-002", "POST", "/logout") in findings_at(result)) is kept
