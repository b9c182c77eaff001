"""A user-keyed record that does not name its user, wrapped in an envelope (``{"status": "OK", "response":
{"user_id": ..., "balance": 1520, ...}}``): the second identity asking for the first one's id is shown exactly what
the first is shown, anonymous callers are refused, and its own id shows something else — reported (PR-BOLA-001)
from the nested record. The same API answering another identity's id with 403 stays quiet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import Answer, Handler, loopback, probe_paths

CREDENTIALS = {"content": {"application/json": {"schema": {
    "type": "object", "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}}
OK = {"200": {"description": "ok"}, "403": {"description": "refused"}}
KEY = [{"key": []}]
PATHS: dict[str, Any] = {
    "/user/login": {"post": {"requestBody": CREDENTIALS, "responses": OK}},
    "/user": {"get": {"security": KEY, "responses": OK}},
    "/account/{user_id}/summary": {"get": {"security": KEY, "parameters": [
        {"name": "user_id", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": OK}},
}
USERS = {"user001": ("f3c1a9e0-1111-4c5e-9a51-0e4b6c7d8e01", "userpass01isverycomplex", 1520, "2024-03-01 10:00"),
         "user002": ("a7d2b4c1-2222-4f6a-8b62-1f5c7d8e9f02", "userpass02isalsocomplex", 88340, "2024-02-11 09:30")}


def _app(checked: bool) -> Handler:
    by_id = {uid: name for name, (uid, *_rest) in USERS.items()}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route == "/user/login" and method == "POST":
            sent = json.loads(body or b"{}")
            user = USERS.get(str(sent.get("username")))
            if user is None or user[1] != sent.get("password"):
                return 403, {}, {"status": "FORBIDDEN", "message": "Authentication Failed!"}
            return 200, {}, {"status": "OK", "response": {"user_id": user[0], "username": sent["username"],
                                                          "session_token": f"tok-{sent['username']}"}}
        caller = headers.get("X-API-key", "").removeprefix("tok-")
        if caller not in USERS:
            return 403, {}, {"status": "FORBIDDEN", "message": "Unauthenticated!"}
        if route == "/user":
            return 200, {}, {"status": "OK", "response": {"user_id": USERS[caller][0], "username": caller}}
        parts = route.split("/")
        if len(parts) == 4 and parts[1] == "account" and parts[3] == "summary":
            name = by_id.get(parts[2])
            if name is None:
                return 500, {}, {"status": "SERVER ERROR", "response": "Internal server error"}
            if checked and name != caller:
                return 403, {}, {"status": "FORBIDDEN", "message": "Not your account"}
            uid, _pw, balance, last = USERS[name]
            return 200, {}, {"status": "OK", "response": {"user_id": uid, "balance": balance,
                                                          "last_transaction": last}}
        return 404, {}, {"status": "NOT FOUND"}
    return app


@pytest.mark.parametrize("checked", [False, True])
def test_records_inside_an_envelope(tmp_path: Path, checked: bool) -> None:
    recipe = LoginRecipe("POST", "/user/login", token_path="response.session_token", header="X-API-key: {token}",
                         bodies=({"username": "user001", "password": "userpass01isverycomplex"},
                                 {"username": "user002", "password": "userpass02isalsocomplex"}))
    with loopback(_app(checked)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("bola",), login=recipe)
    hits = [f for f in result.findings if f.rule_id == "PR-BOLA-001" and f.http_path == "/account/{user_id}/summary"]
    assert bool(hits) is (not checked)
