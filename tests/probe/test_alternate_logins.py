"""Operations that want another token of the same account: an API may issue tokens at more than one operation
(``POST /login`` and ``POST /login_stress``, each for a user name) and accept each token only at its own
operations. The probe logs its identities in at every operation of the description that takes the login's
fields and answers a token, and an operation that refuses an identity's main token (401) is tried with the
others. On a loopback app whose second-token operations skip the ownership and role checks the probe must report
them; on its safe twin, and with credentials that never change, it must stay quiet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
LOGIN_BODY = {"content": {"application/json": {"schema": {
    "type": "object", "required": ["username"], "properties": {"username": {"type": "string"}}}}}}
TOKEN_ANSWER = {"200": {"description": "token", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"access_token": {"type": "string"}}}}}}}
USERS = {1: {"id": 1, "username": "alice", "email": "alice@example.com", "role": "user"},
         2: {"id": 2, "username": "bob", "email": "bob@example.com", "role": "user"}}
SPEC = {
    "/login": {"post": {"requestBody": LOGIN_BODY, "responses": TOKEN_ANSWER}},
    "/login_stress": {"post": {"requestBody": LOGIN_BODY, "responses": TOKEN_ANSWER}},
    "/me": {"get": {"security": BEARER, "responses": OK}},
    "/stress_users/{user_id}": {"get": {"security": BEARER, "responses": OK, "parameters": [
        {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}]}},
    "/admin_stress_report": {"get": {"security": BEARER, "responses": OK}},
}


def _app(checked: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if method == "POST" and route in ("/login", "/login_stress"):
            name = json.loads(body or b"{}").get("username")
            user = next((u for u in USERS.values() if u["username"] == name), None)
            if user is None:
                return 401, {}, {"error": "invalid credentials"}
            kind = "main" if route == "/login" else "stress"
            return 200, {}, {"access_token": f"{kind}-{user['id']}"}
        kind, _, uid = headers.get("Authorization", "").removeprefix("Bearer ").partition("-")
        caller = USERS.get(int(uid)) if uid.isdigit() else None
        if caller is None:
            return 401, {}, {"error": "unauthorized"}
        if route == "/me" and kind == "main":
            return 200, {}, caller
        if kind != "stress":  # the other operations take only the second kind of token
            return 401, {}, {"error": "unauthorized"}
        if route.startswith("/stress_users/"):
            target = USERS.get(int(route.rsplit("/", 1)[-1])) if route.rsplit("/", 1)[-1].isdigit() else None
            if target is None:
                return 404, {}, {"error": "not found"}
            if checked and target["id"] != caller["id"]:
                return 403, {}, {"error": "forbidden"}
            return 200, {}, target
        if route == "/admin_stress_report":
            if checked and caller["role"] != "admin":
                return 403, {}, {"error": "admins only"}
            return 200, {}, {"admin_data": "every account", "users": len(USERS)}
        return 404, {}, {"error": "not found"}

    return app


@pytest.mark.parametrize("checked", [False, True])
def test_operations_wanting_the_second_token_are_tested_with_it(tmp_path: Path, checked: bool) -> None:
    recipe = LoginRecipe("POST", "/login", token_path="access_token",
                         bodies=({"username": "alice"}, {"username": "bob"}))
    with loopback(_app(checked)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("bola", "bfla"), login=recipe)
    found = {f for f in findings_at(result) if f[0] in ("PR-BOLA-001", "PR-BFLA-001")}
    expected = {("PR-BOLA-001", "GET", "/stress_users/{user_id}"), ("PR-BFLA-001", "GET", "/admin_stress_report")}
    assert found == (set() if checked else expected)
