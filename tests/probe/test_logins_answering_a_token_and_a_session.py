"""A login that answers a token and also sets a session cookie: some routes read the bearer token, others the
session. The identity's own requests carry both, so the session routes are tested as the identity (an order read
across identities must fire when the read checks no owner, stay quiet when it does), while a request a check
forges from the token alone (a token a wrong password got, a re-signed JWT) never rides on the session."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

ORDER_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
LOGIN = {"content": {"application/json": {"schema": {"type": "object", "properties": {
    "username": {"type": "string"}, "password": {"type": "string"}}}}}}
SPEC = {"/auth/login": {"post": {"requestBody": LOGIN, "responses": OK}},
        "/orders": {"get": {"responses": OK}},
        "/orders/{id}": {"get": {"parameters": ORDER_ID, "responses": OK}},
        "/me": {"get": {"responses": OK}}}
USERS = {"ghost": (1, "ghost-pass-1"), "hax": (2, "hax-pass-2")}
RECIPE = LoginRecipe("POST", "/auth/login", token_path="token",
                     bodies=({"username": "ghost", "password": "ghost-pass-1"},
                             {"username": "hax", "password": "hax-pass-2"}))


def _market(checked: bool) -> Any:
    sessions: dict[str, int] = {}
    tokens: dict[str, int] = {}
    orders = {n: {"id": n, "buyer_id": 1 + n % 2, "note": f"deliver to locker {n * 37}", "amount": n * 3}
              for n in range(1, 5)}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path.rstrip("/")
        if method == "POST" and route == "/auth/login":
            sent = json.loads(body or b"{}")
            user = USERS.get(str(sent.get("username")))
            if user is None or sent.get("password") != user[1]:
                return 401, {}, {"error": "invalid credentials"}
            sid, token = secrets.token_hex(8), secrets.token_hex(12)
            sessions[sid], tokens[token] = user[0], user[0]
            return 200, {"Set-Cookie": f"sid={sid}; HttpOnly; Path=/"}, {"token": token, "id": user[0]}
        cookie = headers.get("Cookie", "")
        by_session = sessions.get(cookie.partition("sid=")[2].split(";")[0]) if "sid=" in cookie else None
        by_token = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if route == "/me":  # the token's reader
            return (200, {}, {"id": by_token}) if by_token else (401, {}, {"error": "token required"})
        if by_session is None:  # the session's readers
            return 401, {}, {"error": "Authentication required."}
        if route == "/orders":
            return 200, {}, [o for o in orders.values() if o["buyer_id"] == by_session]
        key = route.rsplit("/", 1)[1]
        order = orders.get(int(key)) if key.isdigit() else None
        if order is None or (checked and order["buyer_id"] != by_session):
            return 404, {}, {"error": "Order not found."}
        return 200, {}, order
    return app


@pytest.mark.parametrize("checked", [False, True])
def test_session_routes_beside_a_bearer_token_are_tested_as_the_identity(tmp_path: Path, checked: bool) -> None:
    with loopback(_market(checked)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl", "bola", "authn"), login=RECIPE)
    found = findings_at(result)
    assert (("PR-BOLA-001", "GET", "/orders/{id}") in found) is not checked
    assert not any(rule == "PR-AUTH-003" for rule, _m, _p in found)  # no garbage token rode on the session
