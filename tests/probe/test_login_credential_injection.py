"""Injection into the probe's own login: a login that pastes the user name and password into SQL text lets
``alice'-- `` with a wrong password sign in, and one that hands the JSON values to a document-store query lets
``{"$ne": …}`` as the password sign in. With its own user name and a wrong password the probe must report both
(JSON logins, form logins and HTTP Basic credentials); a login that binds its parameters, one that accepts only
strings, and one that signs in any password at all (nothing to tell apart) must leave it quiet."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
PASSWORDS = {"alice": "alice-pass-1", "bob": "bob-pass-2", "admin": "admin-pass-0"}


def _spec(media: str) -> dict[str, Any]:
    body = {"content": {media: {"schema": {"type": "object", "properties": {
        "username": {"type": "string"}, "password": {"type": "string"}}}}}}
    return {"/login": {"post": {"requestBody": body, "responses": OK}},
            "/me": {"get": {"security": BEARER, "responses": OK}}}


BASIC_SPEC = {"/login": {"post": {"security": [{"basic": []}], "responses": OK}},
              "/me": {"get": {"security": [{"basic": []}], "responses": OK}}}


def _db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.execute("CREATE TABLE users (username TEXT, password TEXT)")
    conn.executemany("INSERT INTO users VALUES (?, ?)", sorted(PASSWORDS.items()))
    return conn


def _check(kind: str, conn: sqlite3.Connection, name: Any, password: Any) -> str | None:
    """The user signed in, per login ``kind``: "sql" (SQL text), "nosql" (operators obeyed), "bound" (parameters),
    "any" (any password for a known user)."""
    if kind == "sql":
        try:
            row = conn.execute(f"SELECT username FROM users WHERE username = '{name}' AND password = '{password}'"
                               ).fetchone()
        except sqlite3.Error:
            return None
        return str(row[0]) if row else None
    if kind == "nosql":
        if isinstance(password, dict):  # a document store's query: {"password": {"$ne": x}}
            ne, gt = password.get("$ne"), password.get("$gt")
            ok = (ne is not None and PASSWORDS.get(name) != ne) or (gt is not None and PASSWORDS.get(name, "") > gt)
            return name if name in PASSWORDS and ok else None
        return name if PASSWORDS.get(name) == password else None
    if kind == "any":
        return name if name in PASSWORDS else None
    if not isinstance(name, str) or not isinstance(password, str):
        return None
    row = conn.execute("SELECT username FROM users WHERE username = ? AND password = ?", (name, password)).fetchone()
    return str(row[0]) if row else None


def _app(kind: str) -> Any:
    conn = _db()

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        auth = headers.get("Authorization", "")
        if auth.startswith("Basic "):
            name, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            user = _check(kind, conn, name, password)
        elif auth.startswith("Bearer tok-"):
            user = auth.removeprefix("Bearer tok-") if auth.removeprefix("Bearer tok-") in PASSWORDS else None
        else:
            user = None
        if method == "POST" and route == "/login" and not auth.startswith("Basic "):
            if headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                password: Any = form.get("password")
                if "password[$ne]" in form:  # how Express's qs reads ``password[$ne]=x``
                    password = {"$ne": form["password[$ne]"]}
                user = _check(kind, conn, form.get("username"), password)
            else:
                data = json.loads(body or b"{}")
                user = _check(kind, conn, data.get("username"), data.get("password"))
        if route == "/login":
            return (200, {}, {"access_token": f"tok-{user}"}) if user else (401, {}, {"detail": "bad credentials"})
        if route == "/me":
            return (200, {}, {"username": user}) if user else (401, {}, {"detail": "unauthorized"})
        return 404, {}, {"detail": "not found"}

    return app


def _recipe(encoding: str) -> LoginRecipe:
    return LoginRecipe("POST", "/login", token_path="access_token", encoding=encoding,
                       bodies=({"username": "alice", "password": "alice-pass-1"},
                               {"username": "bob", "password": "bob-pass-2"}))


def _found(result: Any) -> set[tuple[str, str | None, str | None]]:
    return {(f.rule_id, f.method, f.http_path) for f in result.findings
            if f.rule_id in ("PR-SQLI-004", "PR-NOSQL-001")}


@pytest.mark.parametrize(("kind", "encoding", "expected"), [
    ("sql", "json", {"PR-SQLI-004"}), ("sql", "form", {"PR-SQLI-004"}), ("nosql", "json", {"PR-NOSQL-001"}),
    ("nosql", "form", {"PR-NOSQL-001"}), ("bound", "json", set()), ("bound", "form", set()), ("any", "json", set()),
])
def test_the_login_recipe_is_injected_with_a_wrong_password(tmp_path: Path, kind: str, encoding: str,
                                                            expected: set[str]) -> None:
    media = "application/json" if encoding == "json" else "application/x-www-form-urlencoded"
    with loopback(_app(kind)) as url:
        result = probe_paths(tmp_path, url, _spec(media), ("credentials",), login=_recipe(encoding))
    assert _found(result) == {(rule, "POST", "/login") for rule in expected}


@pytest.mark.parametrize(("kind", "expected"), [("sql", {"PR-SQLI-004"}), ("bound", set())])
def test_http_basic_credentials_are_injected_where_they_are_checked(tmp_path: Path, kind: str,
                                                                    expected: set[str]) -> None:
    auth = [f"{n}=Authorization:Basic " + base64.b64encode(f"{n}:{PASSWORDS[n]}".encode()).decode()
            for n in ("alice", "bob")]
    with loopback(_app(kind)) as url:
        result = probe_paths(tmp_path, url, BASIC_SPEC, ("credentials",), auth=auth)
    assert _found(result) == {(rule, "POST", "/login") for rule in expected}
