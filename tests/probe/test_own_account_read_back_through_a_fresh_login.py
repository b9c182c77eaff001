"""An account that updates itself where the API has no read of an account (no ``GET /me``, no listing of
accounts) and no registration: the result is read back through a fresh login of the same account, whose token's
claims carry its role. An update that stores the role it is sent is reported (at a declared body and at an action
path that declares none), and the old role is written back; an update that only echoes the role in its answer,
without storing it, stays quiet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

KEY = "a-test-signing-key-that-is-long-enough-for-hs256"
CREDS = {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}
UPDATE = {"type": "object", "properties": {"email": {"type": "string"}, "role": {"type": "string"}}}
PATHS: dict[str, Any] = {
    "/api/auth/token": {"post": {"requestBody": {"content": {"application/json": {"schema": CREDS}}},
                                 "responses": OK}},
    "/api/users/me": {"put": {"requestBody": {"content": {"application/json": {"schema": UPDATE}}},
                              "security": [{"bearer": []}], "responses": OK}},
    "/api/users/update": {"put": {"security": [{"bearer": []}], "responses": OK}},
    "/api/notes": {"get": {"security": [{"bearer": []}], "responses": OK}},
}


def _app(users: dict[str, dict[str, Any]], stores: bool) -> Any:
    passwords = {"alice": "alice-pass-1", "bob": "bob-pass-2"}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path.rstrip("/")
        data = json.loads(body or b"{}") if method in ("POST", "PUT") else {}
        if route == "/api/auth/token" and method == "POST":
            name = data.get("username")
            if name not in passwords or passwords[name] != data.get("password"):
                return 401, {}, {"detail": "bad credentials"}
            token = jwt.encode({"sub": name, "role": users[name]["role"]}, KEY, algorithm="HS256")
            return 200, {}, {"access_token": token, "token_type": "bearer"}
        try:
            who = jwt.decode(headers.get("Authorization", "").removeprefix("Bearer "), KEY,
                             algorithms=["HS256"])["sub"]
        except jwt.PyJWTError:
            return 401, {}, {"detail": "login first"}
        if route == "/api/notes" and method == "GET":
            return 200, {}, [{"id": 1, "text": "a note"}]
        if route in ("/api/users/me", "/api/users/update") and method == "PUT":
            if stores:
                users[who].update({k: v for k, v in data.items() if k in ("email", "role")})
            return 200, {}, {"status": "updated", "new_role": data.get("role")}
        return 404, {}, {"detail": "not found"}

    return app


@pytest.mark.parametrize("stores", [True, False])
def test_own_account_read_back_through_a_fresh_login(tmp_path: Path, stores: bool) -> None:
    users = {"alice": {"role": "user", "email": "alice@example.org"},
             "bob": {"role": "user", "email": "bob@example.org"}}
    recipe = LoginRecipe("POST", "/api/auth/token", token_path="access_token", bodies=(
        {"username": "alice", "password": "alice-pass-1"}, {"username": "bob", "password": "bob-pass-2"}))
    with loopback(_app(users, stores)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("mass_assignment",), login=recipe)
    found = findings_at(result)
    assert (("PR-MASS-001", "PUT", "/api/users/me") in found) is stores
    assert (("PR-MASS-001", "PUT", "/api/users/update") in found) is stores
    assert users["alice"]["role"] == users["bob"]["role"] == "user"  # the old role written back
    assert users["bob"]["email"] == "bob@example.org"  # nothing but the privileged field was sent
