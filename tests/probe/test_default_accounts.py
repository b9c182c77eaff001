"""A login that still signs in a shipped account (``admin``/``admin``, ``test``/``test``) must make the probe fire;
one whose accounts all have passwords of their own, one that takes any password (the wrong-password finding's, not
this one's) and one whose users sign in with an e-mail address and whose administrator chose a password must leave
it quiet; an e-mail login still signing in the default name at the users' own domain (``admin@example.com``/
``admin``) fires. No account name is tried more than three times."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

PASSWORDS = {"alice": "alice-pass-1", "bob": "bob-pass-2"}


def _app(kind: str, tried: Counter[str]) -> Any:
    accounts = {**PASSWORDS, **({"admin": "admin"} if kind in ("default-admin", "email-default") else
                                {"test": "test"} if kind == "default-test" else {"admin": "S3cret-chosen-9"})}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path == "/me":
            token = headers.get("Authorization", "").removeprefix("Bearer tok-")
            return (200, {}, {"username": token}) if token in accounts else (401, {}, {"detail": "unauthorized"})
        if path != "/login" or method != "POST":
            return 404, {}, {"detail": "not found"}
        data = json.loads(body or b"{}")
        name = str(data.get("username") or data.get("email") or "")
        tried[name] += 1
        known = name.split("@")[0] if kind.startswith("email") else name
        if kind == "any" or accounts.get(known) == data.get("password"):
            return 200, {}, {"access_token": f"tok-{known}", "user": {"username": known}}
        return 401, {}, {"detail": "bad credentials"}
    return app


@pytest.mark.parametrize(("kind", "fires"), [("default-admin", True), ("default-test", True), ("chosen", False),
                                             ("any", False), ("email", False), ("email-default", True)])
def test_a_shipped_account_still_signs_in(tmp_path: Path, kind: str, fires: bool) -> None:
    field = "email" if kind.startswith("email") else "username"
    spec = {"/login": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object",
            "properties": {field: {"type": "string"}, "password": {"type": "string"}}}}}}, "responses": OK}},
            "/me": {"get": {"responses": OK}}}
    bodies = tuple({field: f"{n}@example.com" if field == "email" else n, "password": p} for n, p in PASSWORDS.items())
    tried: Counter[str] = Counter()
    with loopback(_app(kind, tried)) as url:
        result = probe_paths(tmp_path, url, spec, ("credentials",),
                             login=LoginRecipe("POST", "/login", token_path="access_token", bodies=bodies))
    assert (("PR-AUTH-007", "POST", "/login") in findings_at(result)) is fires
    assert tried["admin"] <= 3 and tried["admin@example.com"] <= 3


def _form_app(admin_password: str) -> Any:
    from urllib.parse import parse_qs

    accounts = {**PASSWORDS, "admin": admin_password}
    sessions: dict[str, str] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path == "/dashboard":
            cookie = headers.get("Cookie", "")
            who = next((sessions[c.split("=", 1)[1]] for c in cookie.split("; ") if c.startswith("session=")
                        and c.split("=", 1)[1] in sessions), None)
            return (200, {"Content-Type": "text/html"}, f"<h1>Hello {who}</h1>") if who else (
                302, {"Location": "/login"}, "")
        if path != "/login" or method != "POST":
            return 404, {}, {"detail": "not found"}
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        name = form.get("username", "")
        if accounts.get(name) == form.get("password"):
            sid = f"s{len(sessions)}x{name}"
            sessions[sid] = name
            return 302, {"Location": "/dashboard", "Set-Cookie": f"session={sid}; HttpOnly; Path=/"}, ""
        return 200, {"Content-Type": "text/html", "Set-Cookie": "visitor=1; Path=/"}, "<form>Invalid</form>"
    return app


@pytest.mark.parametrize(("admin_password", "fires"), [("admin", True), ("S3cret-chosen-9", False)])
def test_a_form_login_that_redirects_with_a_session_cookie(tmp_path: Path, admin_password: str, fires: bool) -> None:
    """A form login answers 302 with its session cookie on success and the form again on failure: a shipped
    account that gets the cookie is found; one with its own password is not."""
    spec = {"/login": {"post": {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
            "responses": OK}}, "/dashboard": {"get": {"responses": OK}}}
    bodies = tuple({"username": n, "password": p} for n, p in PASSWORDS.items())
    with loopback(_form_app(admin_password)) as url:
        result = probe_paths(tmp_path, url, spec, ("credentials",),
                             login=LoginRecipe("POST", "/login", token_path="cookie", bodies=bodies, encoding="form"))
    assert (("PR-AUTH-007", "POST", "/login") in findings_at(result)) is fires
