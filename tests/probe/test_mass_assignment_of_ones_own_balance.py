"""An account that credits itself through its own profile update (``PUT /api/profile`` with ``balance``) is mass
assignment even when the description declares the field: the probe's throwaway account sends its balance raised
and a separate read must show the new amount. A profile update that keeps the balance to itself stays quiet."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

CREDS = {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}
PROFILE_BODY = {"type": "object", "properties": {"email": {"type": "string"}, "balance": {"type": "number"}}}
PATHS: dict[str, Any] = {
    "/api/auth/register": {"post": {"requestBody": {"content": {"application/json": {"schema": CREDS}}},
                                    "responses": OK}},
    "/api/auth/login": {"post": {"requestBody": {"content": {"application/json": {"schema": CREDS}}},
                                 "responses": OK}},
    "/api/profile": {
        "get": {"security": [{"bearer": []}], "responses": OK},
        "put": {"security": [{"bearer": []}], "responses": OK,
                "requestBody": {"content": {"application/json": {"schema": PROFILE_BODY}}}},
    },
}


def _app(writes_balance: bool) -> Any:
    users: dict[str, dict[str, Any]] = {n: {"username": n, "password": f"{n}-pass", "email": f"{n}@example.com",
                                            "balance": 100.0} for n in ("alice", "bob")}
    tokens: dict[str, str] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path.rstrip("/")
        data = json.loads(body or b"{}") if method in ("POST", "PUT") else {}
        if route == "/api/auth/register" and method == "POST":
            if data.get("username") in users:
                return 400, {}, {"detail": "taken"}
            users[data["username"]] = {"username": data["username"], "password": data["password"],
                                       "email": "", "balance": 100.0}
            return 200, {}, {"message": "registered"}
        if route == "/api/auth/login" and method == "POST":
            user = users.get(data.get("username", ""))
            if user is None or user["password"] != data.get("password"):
                return 401, {}, {"detail": "bad credentials"}
            token = secrets.token_hex(8)
            tokens[token] = user["username"]
            return 200, {}, {"access_token": token}
        name = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if name is None:
            return 401, {}, {"detail": "not authenticated"}
        user = users[name]
        if route == "/api/profile" and method == "PUT":
            if isinstance(data.get("email"), str):
                user["email"] = data["email"]
            if writes_balance and isinstance(data.get("balance"), (int, float)):
                user["balance"] = float(data["balance"])
            return 200, {}, {"message": "updated"}
        if route == "/api/profile":
            return 200, {}, {k: user[k] for k in ("username", "email", "balance")}
        return 404, {}, {"detail": "not found"}
    return app


@pytest.mark.parametrize("writes_balance", [True, False])
def test_an_account_crediting_itself(tmp_path: Path, writes_balance: bool) -> None:
    recipe = LoginRecipe("POST", "/api/auth/login", token_path="access_token", bodies=(
        {"username": "alice", "password": "alice-pass"}, {"username": "bob", "password": "bob-pass"}))
    with loopback(_app(writes_balance)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("mass_assignment",), login=recipe)
    assert (("PR-MASS-001", "PUT", "/api/profile") in findings_at(result)) is writes_balance
