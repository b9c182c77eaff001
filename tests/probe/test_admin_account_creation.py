"""An administrative operation that creates accounts (``POST /api/admin/users`` with a user name and a password)
must refuse anonymous callers and ordinary users. The proof is a throwaway account made through it that signs in:
fires when anyone, or any signed-in user, can make one; quiet when only an administrator can."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, loopback, probe_paths

CREDENTIALS = {"content": {"application/json": {"schema": {
    "type": "object", "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}, "role": {"type": "string"}}}}}}
SPEC = {
    "/api/login": {"post": {"requestBody": CREDENTIALS, "responses": OK}},
    "/api/me": {"get": {"security": [{"bearerAuth": []}], "responses": OK}},
    "/api/admin/users": {"post": {"requestBody": CREDENTIALS, "responses": OK}},
}
RECIPE = LoginRecipe("POST", "/api/login", token_path="token",
                     bodies=({"username": "alice", "password": "alice-pass-1"},
                             {"username": "bob", "password": "bob-pass-2"}))


def _app(who_may_create: str) -> Any:
    """``who_may_create``: ``anyone``, ``signed-in`` (any token) or ``admin`` (no identity of the run is one)."""
    users = {"alice": "alice-pass-1", "bob": "bob-pass-2"}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        if method == "POST" and route in ("/api/login", "/api/admin/users"):
            try:
                sent = json.loads(body or b"{}")
            except ValueError:
                return 400, {}, {"error": "bad json"}
            name, password = str(sent.get("username")), str(sent.get("password"))
            if route == "/api/login":
                if users.get(name) != password:
                    return 401, {}, {"error": "invalid credentials"}
                return 200, {}, {"token": f"tok-{name}", "user": {"username": name}}
            allowed = (who_may_create == "anyone" or (who_may_create == "signed-in" and token.startswith("tok-")))
            if not allowed:
                return (401 if not token else 403), {}, {"error": "administrators only"}
            users[name] = password
            return 200, {}, {"status": "User created", "user_id": len(users)}
        if method == "GET" and route == "/api/me":
            return (200, {}, {"username": token.removeprefix("tok-")}) if token.startswith("tok-") else (
                401, {}, {"error": "sign in"})
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize(("who_may_create", "fires"), [("anyone", True), ("signed-in", True), ("admin", False)])
def test_accounts_made_through_an_admin_operation(tmp_path: Path, who_may_create: str, fires: bool) -> None:
    with loopback(_app(who_may_create)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("bfla",), login=RECIPE)
    found = [f for f in result.findings if f.rule_id == "PR-BFLA-001" and f.http_path == "/api/admin/users"]
    assert bool(found) is fires
    if fires:
        assert "signs in" in found[0].message
