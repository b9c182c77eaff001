"""An account record named by its key (``PUT /api/users/{id}``) written by the second identity at the first one's
key: one harmless text field the owner's record shows gets a marker; the finding needs it in the owner's own read,
and the owner writes the old value back. A write that checks the owner stays quiet, and what the owner signs in
with (here its user name) is never the field written."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
CREDS = {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}
PATHS: dict[str, Any] = {
    "/api/login": {"post": {"requestBody": {"content": {"application/json": {"schema": CREDS}}}, "responses": OK}},
    "/api/users/{id}": {
        "get": {"parameters": [ID], "security": [{"bearer": []}], "responses": OK},
        "put": {"parameters": [ID], "security": [{"bearer": []}], "responses": OK,
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "username": {"type": "string"}, "bio": {"type": "string"}, "role": {"type": "string"}}}}}}},
    },
}


@pytest.mark.parametrize("checks_owner", [False, True])
def test_an_account_record_written_by_another_identity(tmp_path: Path, checks_owner: bool) -> None:
    users: dict[int, dict[str, Any]] = {
        2: {"id": 2, "username": "alice", "password": "alicepass", "bio": "likes tea", "role": "user"},
        3: {"id": 3, "username": "bob", "password": "bobpass", "bio": "likes coffee", "role": "user"}}
    tokens: dict[str, int] = {}
    fields_written: set[str] = set()

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path.rstrip("/")
        data = json.loads(body or b"{}") if method in ("POST", "PUT") else {}
        if route == "/api/login" and method == "POST":
            user = next((u for u in users.values() if u["username"] == data.get("username")
                         and u["password"] == data.get("password")), None)
            if user is None:
                return 401, {}, {"error": "bad credentials"}
            token = secrets.token_hex(8)
            tokens[token] = user["id"]
            return 200, {}, {"token": token, "user": {"id": user["id"], "username": user["username"]}}
        who = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if who is None:
            return 401, {}, {"error": "login first"}
        key = route.rsplit("/", 1)[1]
        user = users.get(int(key)) if route.startswith("/api/users/") and key.isdigit() else None
        if user is None:
            return 404, {}, {"error": "not found"}
        if method == "PUT":
            if checks_owner and user["id"] != who:
                return 403, {}, {"error": "not yours"}
            fields_written.update(data)
            for k in ("username", "bio", "role"):
                user[k] = data.get(k) or user[k]
        return 200, {}, {"user": {k: user[k] for k in ("id", "username", "bio", "role")}}

    recipe = LoginRecipe("POST", "/api/login", token_path="token", bodies=(
        {"username": "alice", "password": "alicepass"}, {"username": "bob", "password": "bobpass"}))
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, PATHS, ("bola",), login=recipe)
    assert (("PR-BOLA-002", "PUT", "/api/users/{id}") in findings_at(result)) is not checks_owner
    assert not fields_written & {"username", "password", "role"}
    assert users[2]["bio"] == "likes tea" and users[3]["bio"] == "likes coffee"  # written back by the owner
