"""Weak passwords where accounts are created: an API anyone may sign up to (``POST /api/users`` taking a user name,
an e-mail and a password, or ``POST /register`` taking them as query parameters) that creates an account with the
password ``aaa`` has no password policy. The probe creates one control account with a strong password and one with
``aaa``, and reports only when the weak one is answered like the control and, where a login exists, signs in with
it. Apps that refuse short passwords (by status, or by an error object in a 200) must leave it quiet."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from apishield.findings import Confidence
from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
ACCOUNT = {"content": {"application/json": {"schema": {"type": "object", "required": ["username", "password"],
                                                         "properties": {"username": {"type": "string"},
                                                                        "email": {"type": "string"},
                                                                        "password": {"type": "string"}}}}}}
LOGIN = {"content": {"application/json": {"schema": {"type": "object", "properties": {
    "username": {"type": "string"}, "password": {"type": "string"}}}}}}
JSON_SPEC = {
    "/api/users": {"post": {"requestBody": ACCOUNT, "responses": OK}},
    "/login": {"post": {"requestBody": LOGIN, "responses": OK}},
    "/me": {"get": {"security": BEARER, "responses": OK}},
}
QUERY_SPEC = {
    "/register": {"post": {"responses": OK, "parameters": [
        {"name": n, "in": "query", "required": True, "schema": {"type": "string"}}
        for n in ("username", "password", "email")]}},
    "/login": {"post": {"security": [{"basic": []}], "responses": OK}},
    "/me": {"get": {"security": [{"basic": []}], "responses": OK}},
}


def _app(policy: str) -> Any:
    """``policy``: "none" (any password), "status" (422 under 8 characters), "error" (200 with an error object),
    "four" (400 under 4 characters: ``aaa`` refused, ``1234`` let through)."""
    accounts = {"alice": "alice-pass-1", "bob": "bob-pass-2"}

    def create(name: str, password: str) -> Answer:
        if policy == "status" and len(password) < 8:
            return 422, {}, {"detail": "the password must have at least 8 characters"}
        if policy == "four" and len(password) < 4:
            return 400, {}, {"message": "Password must be at least 4 characters long"}
        if policy == "error" and len(password) < 8:
            return 200, {}, {"error": "the password must have at least 8 characters"}
        if name in accounts:
            return 400, {}, {"detail": "taken"}
        accounts[name] = password
        return 200, {}, {"message": "created", "id": len(accounts), "username": name}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(path)
        route, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        if method == "POST" and route == "/api/users":
            data = json.loads(body or b"{}")
            return create(str(data.get("username")), str(data.get("password")))
        if method == "POST" and route == "/register":
            return create(query.get("username", ""), query.get("password", ""))
        user = None
        auth = headers.get("Authorization", "")
        if auth.startswith("Basic "):
            name, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            user = name if accounts.get(name) == password else None
        elif auth.startswith("Bearer tok-"):
            user = auth.removeprefix("Bearer tok-") if auth.removeprefix("Bearer tok-") in accounts else None
        if method == "POST" and route == "/login":
            if not auth.startswith("Basic "):
                data = json.loads(body or b"{}")
                name = str(data.get("username"))
                user = name if accounts.get(name) == data.get("password") else None
            if user is None:
                return 401, {}, {"detail": "invalid credentials"}
            return 200, {}, {"access_token": f"tok-{user}"}
        if route == "/me":
            return (200, {}, {"username": user}) if user else (401, {}, {"detail": "unauthorized"})
        return 404, {}, {"detail": "not found"}

    return app


RECIPE = LoginRecipe("POST", "/login", token_path="access_token",
                     bodies=({"username": "alice", "password": "alice-pass-1"},
                             {"username": "bob", "password": "bob-pass-2"}))
BASIC = ["alice=Authorization:Basic " + base64.b64encode(b"alice:alice-pass-1").decode(),
         "bob=Authorization:Basic " + base64.b64encode(b"bob:bob-pass-2").decode()]


def _weak(result: Any) -> list[Any]:
    return [f for f in result.findings if f.rule_id == "PR-AUTH-004"]


@pytest.mark.parametrize("policy", ["none", "status", "error"])
def test_a_users_collection_that_takes_any_password_is_reported(tmp_path: Path, policy: str) -> None:
    with loopback(_app(policy)) as url:
        result = probe_paths(tmp_path, url, JSON_SPEC, ("passwords",), login=RECIPE)
    found = _weak(result)
    if policy != "none":
        assert found == []
        return
    assert [(f.method, f.http_path, f.parameter) for f in found] == [("POST", "/api/users", "password")]
    assert "signed" in found[0].message and found[0].confidence is Confidence.HIGH
    assert any("apishield_pw" in note for note in result.notes)  # the throwaway accounts are named in the notes


@pytest.mark.parametrize("policy", ["none", "status"])
def test_a_registration_by_query_parameters_is_confirmed_with_basic_credentials(tmp_path: Path, policy: str) -> None:
    with loopback(_app(policy)) as url:
        result = probe_paths(tmp_path, url, QUERY_SPEC, ("passwords",), auth=BASIC)
    assert [(f.method, f.http_path) for f in _weak(result)] == ([("POST", "/register")] if policy == "none" else [])


@pytest.mark.parametrize("policy", ["four", "status"])
def test_a_rule_of_four_characters_lets_1234_through(tmp_path: Path, policy: str) -> None:
    """``aaa`` refused, then ``1234`` tried: a length-only rule of four characters accepts the most common password;
    a rule of eight refuses both and stays quiet."""
    with loopback(_app(policy)) as url:
        result = probe_paths(tmp_path, url, JSON_SPEC, ("passwords",), login=RECIPE)
    found = _weak(result)
    assert bool(found) is (policy == "four")
    assert not found or ("'1234'" in found[0].message and "signed" in found[0].message)
