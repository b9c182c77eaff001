"""Logins besides the one the identities use (a second login route, a legacy one) get the same injections, with the
identity's user name and a wrong password: one that pastes them into SQL text and answers the signed-in account's
record without a token is reported when the wrong password alone was refused and the injected one answered the
identity's record; one that binds its parameters stays quiet."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

CREDS = {"content": {"application/json": {"schema": {"type": "object", "properties": {
    "username": {"type": "string"}, "password": {"type": "string"}}}}}}
PATHS = {"/api/auth/login": {"post": {"requestBody": CREDS, "responses": OK}},
         "/api/legacy/login": {"post": {"requestBody": CREDS, "responses": OK}},
         "/api/me": {"get": {"security": [{"bearer": []}], "responses": OK}}}
PASSWORDS = {"alice": "alice-pass-1", "bob": "bob-pass-2"}


def _app(bound: bool) -> Any:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE users (username TEXT, password TEXT, role TEXT)")
    # the legacy table holds hashes, so no typed password ever matches: only an injection gets past it
    db.executemany("INSERT INTO users VALUES (?, ?, 'user')", [(n, "$2b$hash") for n in PASSWORDS])

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        data = json.loads(body or b"{}") if method == "POST" else {}
        name, password = data.get("username"), data.get("password")
        if route == "/api/auth/login":
            ok = PASSWORDS.get(name) == password
            return (200, {}, {"token": f"tok-{name}"}) if ok else (401, {}, {"error": "bad credentials"})
        if route == "/api/legacy/login":
            if not isinstance(name, str) or not isinstance(password, str):
                return 400, {}, {"error": "strings only"}
            try:
                rows = (db.execute("SELECT * FROM users WHERE username = ? AND password = ?", (name, password))
                        if bound else db.execute(f"SELECT * FROM users WHERE username = '{name}' AND password = "
                                                 f"'{password}'")).fetchall()
            except sqlite3.Error as exc:
                return 500, {}, {"error": str(exc)}
            if not rows:
                return 401, {}, {"success": False, "error": "Invalid credentials"}
            return 200, {}, {"success": True, "data": dict(zip(("username", "password", "role"), rows[0], strict=True))}
        who = headers.get("Authorization", "").removeprefix("Bearer tok-")
        if route == "/api/me" and who in PASSWORDS:
            return 200, {}, {"username": who}
        return 401, {}, {"error": "login first"}

    return app


@pytest.mark.parametrize(("bound", "reported"), [(False, True), (True, False)])
def test_another_login_is_injected_with_the_identitys_name(tmp_path: Path, bound: bool, reported: bool) -> None:
    recipe = LoginRecipe("POST", "/api/auth/login", token_path="token",
                         bodies=({"username": "alice", "password": "alice-pass-1"},
                                 {"username": "bob", "password": "bob-pass-2"}))
    with loopback(_app(bound)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("credentials",), login=recipe)
    assert (("PR-SQLI-004", "POST", "/api/legacy/login") in findings_at(result)) is reported
