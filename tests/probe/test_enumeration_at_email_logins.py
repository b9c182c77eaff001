"""Login enumeration where the login takes an e-mail address: the made-up account is an address on the known
account's domain, so an input check (``EmailStr``: 422 for a name without ``@``) lets it through to the account
lookup. A login that answers a wrong password and an unknown address alike stays quiet; one that tells them apart
is reported; an answer that only refused the made-up value as input is not a difference, nor is an answer that
echoes the address and password the probe sent (a debugging field showing the query that ran)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BODY = {"content": {"application/json": {"schema": {"type": "object", "required": ["email", "password"], "properties": {
    "email": {"type": "string", "format": "email"}, "password": {"type": "string"}}}}}}
SPEC = {"/api/auth/login": {"post": {"requestBody": BODY, "responses": OK}},
        "/api/users/me": {"get": {"security": [{"bearerAuth": []}], "responses": OK}}}
USERS = {"alice@mercury.test": "alice-pass-1", "bob@mercury.test": "bob-pass-2"}
RECIPE = LoginRecipe("POST", "/api/auth/login", token_path="access_token",
                     bodies=tuple({"email": e, "password": p} for e, p in USERS.items()))


def _app(leaky: bool, echo: bool = False) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route == "/api/users/me":
            token = headers.get("Authorization", "").removeprefix("Bearer ")
            return (200, {}, {"email": token[4:]}) if token.startswith("tok-") else (401, {}, {"detail": "no"})
        if route != "/api/auth/login" or method != "POST":
            return 404, {}, {"detail": "Not Found"}
        sent = json.loads(body or b"{}")
        email, password = str(sent.get("email", "")), str(sent.get("password", ""))
        if "@" not in email:
            return 422, {}, {"detail": [{"loc": ["body", "email"], "msg": "value is not a valid email address"}]}
        tried = {"tried": f"SELECT * FROM users WHERE email = '{email}' AND password = '{password}'"} if echo else {}
        if email not in USERS:
            return (404, {}, {"detail": "No such user"}) if leaky else (401, {}, {"detail": "Incorrect email or "
                                                                                   "password", **tried})
        if USERS[email] != password:
            return 401, {}, {"detail": "Incorrect email or password", **tried}
        return 200, {}, {"access_token": f"tok-{email}"}
    return app


@pytest.mark.parametrize("leaky", [False, True])
def test_enumeration_at_a_login_that_takes_an_address(tmp_path: Path, leaky: bool) -> None:
    with loopback(_app(leaky)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("headers_errors",), login=RECIPE)
    assert (("PR-ENUM-001", "POST", "/api/auth/login") in findings_at(result)) is leaky


@pytest.mark.parametrize("leaky", [False, True])
def test_an_answer_echoing_what_was_sent_is_no_difference(tmp_path: Path, leaky: bool) -> None:
    with loopback(_app(leaky, echo=True)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("headers_errors",), login=RECIPE)
    assert (("PR-ENUM-001", "POST", "/api/auth/login") in findings_at(result)) is leaky


def _app_400(detail: str) -> Any:
    """Unknown addresses refused with 400 and ``detail``; a wrong password for a real account with 401."""
    inner = _app(False)

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path == "/api/auth/login" and method == "POST":
            email = str(json.loads(body or b"{}").get("email", ""))
            if "@" in email and email not in USERS:
                return 400, {}, {"error": detail}
        return inner(method, path, headers, body)
    return app


@pytest.mark.parametrize(("detail", "reported"), [
    ("no_such_user", True),  # must fire: a 400 that names the missing account is the lookup's answer
    ("User not found", True),
    ("invalid email format", False),  # must stay quiet: a refusal of the value's form tells nothing of accounts
])
def test_a_400_naming_a_missing_account_is_enumeration(tmp_path: Path, detail: str, reported: bool) -> None:
    with loopback(_app_400(detail)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("headers_errors",), login=RECIPE)
    assert (("PR-ENUM-001", "POST", "/api/auth/login") in findings_at(result)) is reported
