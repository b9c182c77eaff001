"""The login burst must reach the account lookup to show anything. A login whose input check takes letters and
digits only (as its real user names are) refuses a name with underscores before any lookup: the burst's made-up name
and wrong password are shaped like the identities' real ones, so a limit counted after the lookup (429 after five
wrong passwords) keeps it quiet, and no limit fires (PR-RATE-001). Where anyone may create an account, the wrong
passwords go to a throwaway account of the probe's own: a login that locks it after three (``User locked out!``) is
quiet, one that never locks it fires. A limit kept per account name (429 after five failures for the same name, whoever
exists) is met too: the burst guesses one account's password, not one password of many accounts. A burst whose every
attempt a CSRF check refused before the login ran tested nothing: inconclusive, never a missing limit."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import Answer, Handler, findings_at, loopback, probe_paths

CREDENTIALS = {"content": {"application/json": {"schema": {
    "type": "object", "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}}
OK = {"200": {"description": "ok"}, "403": {"description": "refused"}}
PATHS: dict[str, Any] = {"/user/login": {"post": {"requestBody": CREDENTIALS, "responses": OK}},
                         "/me": {"get": {"security": [{"key": []}], "responses": OK}}}
REGISTER = {"/user": {"post": {"requestBody": CREDENTIALS, "responses": OK}}}
PATTERN = re.compile(r"^[0-9A-Za-z]+$")


def _app(*, limit: int | None = None, lockout: bool = False, per_name: bool = False) -> Handler:
    """A bank-like login: the pattern check first (the same refusal as a wrong password), then the lookup; after
    ``limit`` looked-up failures 429 (counted per name sent with ``per_name``), or with ``lockout`` an account
    locked after three wrong passwords."""
    users = {"user001": "userpass01isverycomplex", "user002": "userpass02isalsocomplex"}
    failures: dict[str, int] = {}
    looked_up = [0]
    per_name_failures: dict[str, int] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        sent = json.loads(body or b"{}") if method == "POST" else {}
        name, password = str(sent.get("username", "")), str(sent.get("password", ""))
        if route == "/user" and method == "POST":
            if not PATTERN.match(name) or not PATTERN.match(password) or name in users:
                return 403, {}, {"message": "username and password should match the pattern"}
            users[name] = password
            return 200, {}, {"status": "OK", "response": {"username": name}}
        if route == "/user/login" and method == "POST":
            if not PATTERN.match(name) or not PATTERN.match(password):
                return 403, {}, {"message": "Authentication Failed!"}
            looked_up[0] += 1
            if per_name:
                per_name_failures[name] = per_name_failures.get(name, 0) + (users.get(name) != password)
                if limit is not None and per_name_failures[name] > limit:
                    return 429, {"Retry-After": "60"}, {"message": "too many attempts for this account"}
            elif limit is not None and looked_up[0] > limit:
                return 429, {"Retry-After": "60"}, {"message": "too many attempts"}
            if name not in users:
                return 403, {}, {"message": "Authentication Failed!"}
            if lockout and failures.get(name, 0) >= 3:
                return 403, {}, {"message": "User locked out! Try again later"}
            if users[name] != password:
                failures[name] = failures.get(name, 0) + 1
                return 403, {}, {"message": "Authentication Failed!"}
            failures[name] = 0
            looked_up[0] -= 1  # the identities' own logins are not counted against the limit
            return 200, {}, {"response": {"session_token": f"tok-{name}"}}
        if route == "/me":
            token = headers.get("X-API-key", "")
            return (200, {}, {"username": token[4:]}) if token.startswith("tok-") else (403, {}, {"message": "no"})
        return 404, {}, {"message": "not found"}
    return app


def _probe(tmp_path: Path, app: Handler, paths: dict[str, Any]) -> Any:
    recipe = LoginRecipe("POST", "/user/login", token_path="response.session_token", header="X-API-key: {token}",
                         bodies=({"username": "user001", "password": "userpass01isverycomplex"},
                                 {"username": "user002", "password": "userpass02isalsocomplex"}))
    with loopback(app) as url:
        return probe_paths(tmp_path, url, paths, ("ratelimit",), login=recipe)


@pytest.mark.parametrize("limit", [None, 5])
def test_the_made_up_name_is_shaped_like_the_real_ones(tmp_path: Path, limit: int | None) -> None:
    result = _probe(tmp_path, _app(limit=limit), PATHS)
    assert (("PR-RATE-001", "POST", "/user/login") in findings_at(result)) is (limit is None)


@pytest.mark.parametrize("lockout", [False, True])
def test_a_lockout_of_the_probes_own_account_is_a_limit(tmp_path: Path, lockout: bool) -> None:
    result = _probe(tmp_path, _app(lockout=lockout), {**PATHS, **REGISTER})
    assert (("PR-RATE-001", "POST", "/user/login") in findings_at(result)) is (not lockout)
    assert not lockout or any("account lockout" in note for note in result.notes)


def test_a_limit_kept_per_account_name_is_met(tmp_path: Path) -> None:
    result = _probe(tmp_path, _app(limit=5, per_name=True), PATHS)
    assert ("PR-RATE-001", "POST", "/user/login") not in findings_at(result)


FORM_LOGIN: dict[str, Any] = {
    "/login": {"post": {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
        "responses": OK}},
    "/me": {"get": {"security": [{"key": []}], "responses": OK}},
}


@pytest.mark.parametrize(("refusal", "fires"), [
    ("<h1>Forbidden (403)</h1><p>CSRF verification failed. Request aborted.</p>", False),  # Django
    ("The CSRF token is missing.", False),  # Flask-WTF
    ("<p>Invalid username or password</p><input type=hidden name=csrf_token value=abc>", True),  # the login ran
])
def test_a_burst_a_csrf_check_refused_tested_nothing(tmp_path: Path, refusal: str, fires: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route == "/login" and method == "POST":
            return 403, {"Content-Type": "text/html"}, refusal
        if route == "/me":
            return (200, {}, {"username": "alice"}) if headers.get("Cookie") == "session=alice" else \
                (401, {}, {"message": "sign in"})
        return 404, {}, {"message": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, FORM_LOGIN, ("ratelimit",), auth=("alice=Cookie:session=alice",))
    assert (("PR-RATE-001", "POST", "/login") in findings_at(result)) is fires
    assert fires or any("CSRF check refused every attempt" in note for note in result.notes)
