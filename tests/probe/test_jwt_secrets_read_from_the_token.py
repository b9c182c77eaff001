"""What a JWT gives away by itself, with no request: a short numeric or keyboard HMAC secret ('1234', 'qwerty')
cracked offline is proof on its own (the secret reproduces the signature), even when the only operation that
accepts the token takes no re-signed token and the auth canary was proven with another of the account's
credentials; and claims that carry the account's password (or a hash or secret) are readable by anyone holding
the token. A strong secret and claims that only mention a password (a flag, a date) must stay quiet."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt as pyjwt
import pytest

from apishield.probe.checks.jwt import secret_claims
from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
LOGIN_BODY = {"content": {"application/json": {"schema": {"type": "object", "required": ["username", "password"],
                                                           "properties": {"username": {"type": "string"},
                                                                          "password": {"type": "string"}}}}}}
TOKEN_ANSWER = {"200": {"description": "token", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"access_token": {"type": "string"}}}}}}}
SPEC = {
    "/login": {"post": {"requestBody": LOGIN_BODY, "responses": TOKEN_ANSWER}},
    "/session/login": {"post": {"requestBody": LOGIN_BODY, "responses": TOKEN_ANSWER}},
    "/session/me": {"get": {"security": BEARER, "responses": OK}},
    "/notes": {"get": {"security": BEARER, "responses": OK}},
}
USERS = {"alice": {"id": 1, "username": "alice", "password": "alice-pass-1", "role": "staff"},
         "bob": {"id": 2, "username": "bob", "password": "bob-pass-2", "role": "staff"}}
STRONG = "k3-Vq9!zR7wL2xT8nB5mC1dF6gH4jS0aP"


def _app(secret: str, password_in_claims: bool) -> Any:
    """``/login`` signs a JWT with ``secret`` whose claims are the user's row (password included) or only harmless
    mentions of it; ``/notes`` accepts exactly the tokens it issued (a re-signed one is refused); ``/session/login``
    issues another token, the only one ``/session/me`` takes."""
    issued: set[str] = set()

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if method == "POST" and route in ("/login", "/session/login"):
            try:
                sent = json.loads(body or b"{}")
            except ValueError:
                return 400, {}, {"error": "bad json"}
            user = USERS.get(str(sent.get("username"))) if isinstance(sent, dict) else None
            if user is None or sent.get("password") != user["password"]:
                return 401, {}, {"error": "invalid credentials"}
            if route == "/session/login":
                return 200, {}, {"access_token": f"session-{user['id']}"}
            claims = dict(user) if password_in_claims else {
                "id": user["id"], "username": user["username"], "has_password": True,
                "password_changed_at": "2024-01-01T00:00:00Z", "password_hash": ""}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                token = pyjwt.encode(claims, secret, algorithm="HS256")
            issued.add(token)
            return 200, {}, {"access_token": token}
        auth = headers.get("Authorization", "").removeprefix("Bearer ")
        if route == "/session/me" and method == "GET":
            if auth.startswith("session-"):
                return 200, {}, {"id": int(auth.removeprefix("session-"))}
            return 401, {}, {"error": "sign in"}
        if route == "/notes" and method == "GET":
            return (200, {}, {"notes": []}) if auth in issued else (401, {}, {"error": "sign in"})
        return 404, {}, {"error": "not found"}

    return app


@pytest.mark.parametrize(("secret", "cracked"), [("1234", True), ("qwerty", True), ("0000", True), (STRONG, False)])
def test_a_short_secret_is_reported_though_no_operation_takes_a_forgery(tmp_path: Path, secret: str,
                                                                         cracked: bool) -> None:
    recipe = LoginRecipe("POST", "/login", token_path="access_token",
                         bodies=({"username": "alice", "password": "alice-pass-1"},
                                 {"username": "bob", "password": "bob-pass-2"}))
    with loopback(_app(secret, False)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("jwt",), login=recipe)
    weak = [f for f in result.findings if f.rule_id == "PR-JWT-003"]
    assert bool(weak) is cracked
    assert not cracked or repr(secret) in weak[0].message
    assert not {r for r, _m, _p in findings_at(result)} & {"PR-JWT-001", "PR-JWT-002", "PR-JWT-004"}


@pytest.mark.parametrize("password_in_claims", [True, False])
def test_a_password_in_the_claims_is_reported(tmp_path: Path, password_in_claims: bool) -> None:
    recipe = LoginRecipe("POST", "/login", token_path="access_token",
                         bodies=({"username": "alice", "password": "alice-pass-1"},
                                 {"username": "bob", "password": "bob-pass-2"}))
    with loopback(_app(STRONG, password_in_claims)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("jwt",), login=recipe)
    found = [f for f in result.findings if f.rule_id == "PR-JWT-008"]
    assert bool(found) is password_in_claims
    assert not found or ("password" in found[0].message and "own password" in found[0].message)
    assert not [f for f in result.findings if f.rule_id == "PR-JWT-003"]


@pytest.mark.parametrize(("claims", "keys"), [
    ({"sub": "1", "pwd": "hunter2"}, ["pwd"]),
    ({"user": {"name": "a", "secret": "s3"}}, ["secret"]),
    ({"sub": "1", "password": "********", "hash": "", "has_password": True, "pwd_changed": "2024"}, []),
    ({"sub": "1", "password": None, "passwordless": True}, []),
    ({"sub": "7", "credit_card": "4111111111111111"}, ["credit_card"]),  # a payment card number rides in the token
    ({"sub": "7", "credit_card": "**** 1111", "order": 4111111111111111}, []),  # masked; a number under another name
])
def test_secret_claims_names_only_claims_that_carry_a_value(claims: dict[str, Any], keys: list[str]) -> None:
    assert secret_claims(claims) == keys
