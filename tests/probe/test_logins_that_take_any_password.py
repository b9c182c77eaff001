"""A login that signs in a known user name with any password is reported once the token a wrong password got opens
the auth canary as that identity; a login that refuses wrong passwords, and one whose wrong-password token opens
nothing (a guest token), stay quiet. A GET login that reads the password from its query string is reported as
credentials in the URL, and as a wrong-password login when it takes any password too; a GET that takes the same
parameters and answers no token is not a login."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
PASSWORDS = {"alice": "alice-pass-1", "bob": "bob-pass-2"}
QUERY = [{"name": n, "in": "query", "required": True, "schema": {"type": "string"}} for n in ("email", "password")]
SPEC = {"/login": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                            "responses": OK}},
        "/me": {"get": {"security": BEARER, "responses": OK}},
        "/login_via_url": {"get": {"parameters": QUERY, "responses": OK}}}


def _app(kind: str, url_login: str) -> Any:
    """``kind``: how POST /login checks passwords ("checked", "any", "guest": a wrong one gets a token nothing
    accepts); ``url_login``: what GET /login_via_url does ("token", "any", "check": says whether they match)."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(path)
        auth = headers.get("Authorization", "").removeprefix("Bearer tok-")
        if parts.path == "/login" and method == "POST":
            data = json.loads(body or b"{}")
            name, password = data.get("username"), data.get("password")
            if name in PASSWORDS and (PASSWORDS[name] == password or kind == "any"):
                return 200, {}, {"access_token": f"tok-{name}"}
            if name in PASSWORDS and kind == "guest":
                return 200, {}, {"access_token": "tok-guest"}
            return 401, {}, {"detail": "bad credentials"}
        if parts.path == "/login_via_url":
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            name, password = query.get("email"), query.get("password")
            matches = name in PASSWORDS and (PASSWORDS[name] == password or url_login == "any")
            if url_login == "check":
                return 200, {}, {"valid": matches}
            return (200, {}, {"token": f"tok-{name}"}) if matches else (401, {}, {"detail": "bad credentials"})
        if parts.path == "/me":
            return (200, {}, {"username": auth}) if auth in PASSWORDS else (401, {}, {"detail": "unauthorized"})
        return 404, {}, {"detail": "not found"}

    return app


@pytest.mark.parametrize(("kind", "url_login", "expected"), [
    ("any", "check", {("PR-AUTH-006", "POST", "/login")}),
    ("checked", "check", set()),
    ("guest", "check", set()),
    ("checked", "token", {("PR-AUTH-005", "GET", "/login_via_url")}),
    ("checked", "any", {("PR-AUTH-005", "GET", "/login_via_url"), ("PR-AUTH-006", "GET", "/login_via_url")}),
])
def test_logins_that_take_any_password(tmp_path: Path, kind: str, url_login: str,
                                       expected: set[tuple[str, str, str]]) -> None:
    recipe = LoginRecipe("POST", "/login", token_path="access_token", encoding="json",
                         bodies=({"username": "alice", "password": "alice-pass-1"},
                                 {"username": "bob", "password": "bob-pass-2"}))
    with loopback(_app(kind, url_login)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("credentials",), login=recipe)
    found = {(f.rule_id, f.method, f.http_path) for f in result.findings
             if f.rule_id in ("PR-AUTH-005", "PR-AUTH-006")}
    assert found == expected
