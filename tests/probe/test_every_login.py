"""An API with two ways to log in: user enumeration and the login burst are tried at the second one as well, not
only at the operation the identities logged in with — and a second login that answers every failure alike and
throttles a burst stays quiet."""

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
BODY = {"content": {"application/json": {"schema": CREDS}}}
PATHS: dict[str, Any] = {
    "/api/token": {"post": {"requestBody": BODY, "responses": OK}},
    "/api/login": {"post": {"requestBody": BODY, "responses": OK}},
    "/api/me": {"get": {"security": [{"bearerAuth": []}], "responses": OK}},
}
USERS = {"al": "al-pw", "bo": "bo-pw"}


def _app(second_leaky: bool) -> Any:
    tokens: dict[str, str] = {}
    attempts = {"n": 0}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route in ("/api/token", "/api/login") and method == "POST":
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                return 400, {}, {"error": "bad request"}
            name = data.get("username") if isinstance(data, dict) else None
            good = name in USERS and USERS[name] == data.get("password")
            if route == "/api/login" and not second_leaky:
                attempts["n"] += 1
                if attempts["n"] > 8:
                    return 429, {"Retry-After": "60"}, {"error": "slow down"}
            if good:
                token = secrets.token_hex(8)
                tokens[token] = str(name)
                return 200, {}, {"token": token}
            if route == "/api/login" and second_leaky and name not in USERS:
                return 404, {}, {"error": "no such user"}
            return 401, {}, {"error": "invalid credentials"}
        if route == "/api/me":
            name = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
            return (200, {}, {"username": name}) if name else (401, {}, {"error": "login first"})
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize("second_leaky", [True, False])
def test_enumeration_and_burst_reach_every_login(tmp_path: Path, second_leaky: bool) -> None:
    recipe = LoginRecipe("POST", "/api/token", token_path="token", bodies=(
        {"username": "al", "password": "al-pw"}, {"username": "bo", "password": "bo-pw"}))
    with loopback(_app(second_leaky)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("headers_errors", "ratelimit"), login=recipe)
    found = findings_at(result)
    assert (("PR-ENUM-001", "POST", "/api/login") in found) is second_leaky
    assert (("PR-RATE-001", "POST", "/api/login") in found) is second_leaky
    assert ("PR-ENUM-001", "POST", "/api/token") not in found


def _record_login(leaky: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        data = json.loads(body or b"{}") if method == "POST" else {}
        name = data.get("username") if isinstance(data, dict) else None
        good = name in USERS and USERS[name] == data.get("password")
        if route == "/api/token" and method == "POST":
            return (200, {}, {"token": f"t-{name}"}) if good else (401, {}, {"error": "invalid credentials"})
        if route == "/api/login" and method == "POST":  # the second login answers the account's record
            record = {"username": name, "email": f"{name}@example.com"}
            return (200, {}, {**record, "password": USERS[str(name)]} if leaky else record) if good else (
                401, {}, {"error": "invalid credentials"})
        if route == "/api/me":
            name = headers.get("Authorization", "").removeprefix("Bearer t-")
            return (200, {}, {"username": name}) if name in USERS else (401, {}, {"error": "login first"})
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize("leaky", [True, False])
def test_a_second_login_is_signed_in_once_and_its_answer_read(tmp_path: Path, leaky: bool) -> None:
    """A login-like operation that answers no token field (the account record) is still signed in to once with
    each identity's credentials, so an answer carrying the stored password is seen."""
    recipe = LoginRecipe("POST", "/api/token", token_path="token", bodies=(
        {"username": "al", "password": "al-pw"}, {"username": "bo", "password": "bo-pw"}))
    with loopback(_record_login(leaky)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("passive",), login=recipe)
    assert (("PR-AUTH-002", "POST", "/api/login") in findings_at(result)) is leaky
