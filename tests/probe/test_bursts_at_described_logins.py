"""Brute force at a login the description names without a login recipe: a GET that takes the user name and
password in its query, or a form POST to a sign-in path, gets the burst of wrong passwords — reported when
nothing throttles it, quiet when the login answers 429 after a few tries."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

OK = {"200": {"description": "ok"}, "403": {"description": "wrong credentials"}}
CREDENTIALS = [{"name": n, "in": "query", "required": True, "schema": {"type": "string"}}
               for n in ("username", "password")]
FORM = {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
    "email": {"type": "string"}, "passwd": {"type": "string"}}}}}
LOGINS: dict[str, dict[str, Any]] = {
    "/login": {"get": {"parameters": CREDENTIALS, "responses": OK}},
    "/auth/signin": {"post": {"requestBody": {"content": FORM}, "responses": OK}},
}


def _app(login: str, limit: int | None) -> Any:
    """``login`` answers 403 to wrong credentials (after ``limit`` tries, 429); ``/`` answers anyone."""
    tries = [0]

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route == "/":
            return 200, {}, {"service": "up"}
        if route != login:
            return 404, {}, {"error": "not found"}
        sent = parse_qs(urlsplit(path).query) if method == "GET" else parse_qs(body.decode())
        if not sent:
            return 400, {}, {"error": "credentials required"}
        tries[0] += 1
        if limit is not None and tries[0] > limit:
            return 429, {"Retry-After": "60"}, {"error": "too many attempts"}
        return 403, {}, {"data": "Login unsuccessful"}
    return app


@pytest.mark.parametrize("login", ["/login", "/auth/signin"])
@pytest.mark.parametrize("limit", [None, 5])
def test_a_described_login_gets_the_brute_force_burst(tmp_path: Path, login: str, limit: int | None) -> None:
    paths = {"/": {"get": {"responses": {"200": {"description": "status"}}}}, login: LOGINS[login]}
    method = next(iter(LOGINS[login])).upper()
    with loopback(_app(login, limit)) as url:
        result = probe_paths(tmp_path, url, paths, ("ratelimit",))
    assert (("PR-RATE-001", method, login) in findings_at(result)) is (limit is None)


@pytest.mark.parametrize(("answer", "reported"), [
    ({"data": "Login unsuccessful"}, True),  # a working login refusing wrong passwords, never throttled
    ({"error": "Database error: no such table: users"}, False),  # a login no password can pass
])
def test_a_login_failing_every_attempt_on_its_database_is_no_brute_force_target(tmp_path: Path, answer: Any,
                                                                               reported: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        return (200, {}, answer) if urlsplit(path).path == "/login" else (404, {}, {"error": "not found"})

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, {"/login": LOGINS["/login"]}, ("ratelimit",))
    assert (("PR-RATE-001", "GET", "/login") in findings_at(result)) is reported
