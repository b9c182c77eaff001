"""Ways a JWT's key is given away beyond a wordlist: a secret of two or three usual words (``super-secret``, or
``weak-secret-key-12345`` with a usual number after it); a verifier that takes the key from the token's own ``jwk``
header (so a token signed with any key of the attacker's is accepted); and an HMAC secret made of the API's own
words (``bankbank`` for a bank API). Each must fire where the flaw is and stay quiet where the verifier uses its own
key or the secret is random."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from apishield.probe.checks.jwt import b64d, own_words, sign_with_embedded_key
from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
LOGIN_BODY = {"content": {"application/json": {"schema": {"type": "object", "required": ["username", "password"],
                                                           "properties": {"username": {"type": "string"},
                                                                          "password": {"type": "string"}}}}}}
SPEC = {
    "/login": {"post": {"tags": ["Bank User"], "requestBody": LOGIN_BODY, "responses": OK}},
    "/accounts/summary": {"get": {"tags": ["Bank Account"], "summary": "Account summary", "security": BEARER,
                                  "responses": OK}},
}
USERS = {"alice": "alice-pass-1", "bob": "bob-pass-2"}
RECIPE = LoginRecipe("POST", "/login", token_path="token",
                     bodies=({"username": "alice", "password": "alice-pass-1"},
                             {"username": "bob", "password": "bob-pass-2"}))
SERVER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _login(body: bytes, sign: Any) -> Answer:
    try:
        sent = json.loads(body or b"{}")
    except ValueError:
        return 400, {}, {"error": "bad json"}
    if not isinstance(sent, dict) or USERS.get(str(sent.get("username"))) != sent.get("password"):
        return 401, {}, {"error": "invalid credentials"}
    return 200, {}, {"token": sign({"username": sent["username"], "exp": 4102444800})}


def _rs_app(trusts_header_key: bool) -> Any:
    """RS256 tokens signed with the server's key; the verifier takes the key from the token's ``jwk`` header
    (the flaw) or uses its own public key (correct)."""
    def sign(claims: dict[str, Any]) -> str:
        return pyjwt.encode(claims, SERVER_KEY, algorithm="RS256")

    def verify(token: str) -> bool:
        try:
            header = json.loads(b64d(token.split(".")[0]))
            key: Any = SERVER_KEY.public_key()
            if trusts_header_key and isinstance(header.get("jwk"), dict):
                key = RSAAlgorithm.from_jwk(json.dumps(header["jwk"]))
            pyjwt.decode(token, key, algorithms=["RS256"])
        except (pyjwt.PyJWTError, ValueError, IndexError, TypeError):
            return False
        return True

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if method == "POST" and route == "/login":
            return _login(body, sign)
        if method == "GET" and route == "/accounts/summary":
            auth = headers.get("Authorization", "").removeprefix("Bearer ")
            return (200, {}, {"balance": 10}) if verify(auth) else (401, {}, {"error": "sign in"})
        return 404, {}, {"error": "not found"}

    return app


@pytest.mark.parametrize("trusts_header_key", [True, False])
def test_a_verifier_that_trusts_the_tokens_own_jwk_is_reported(tmp_path: Path, trusts_header_key: bool) -> None:
    with loopback(_rs_app(trusts_header_key)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("jwt",), login=RECIPE)
    rules = {f.rule_id for f in result.findings}
    assert ("PR-JWT-009" in rules) is trusts_header_key
    assert not rules & {"PR-JWT-001", "PR-JWT-002", "PR-JWT-003", "PR-JWT-005"}


def test_the_embedded_key_token_verifies_with_its_own_header_key_only() -> None:
    token = sign_with_embedded_key({"alg": "HS256", "typ": "JWT"}, {"sub": "1"})
    header = json.loads(b64d(token.split(".")[0]))
    assert header["alg"] == "RS256" and header["jwk"]["kty"] == "RSA"
    assert pyjwt.decode(token, RSAAlgorithm.from_jwk(json.dumps(header["jwk"])), algorithms=["RS256"])["sub"] == "1"
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(token, SERVER_KEY.public_key(), algorithms=["RS256"])


def _hs_app(secret: str) -> Any:
    def sign(claims: dict[str, Any]) -> str:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pyjwt.encode(claims, secret, algorithm="HS256")

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if method == "POST" and route == "/login":
            return _login(body, sign)
        if method == "GET" and route == "/accounts/summary":
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    pyjwt.decode(headers.get("Authorization", "").removeprefix("Bearer "), secret,
                                 algorithms=["HS256"])
            except pyjwt.PyJWTError:
                return 401, {}, {"error": "sign in"}
            return 200, {}, {"balance": 10}
        return 404, {}, {"error": "not found"}

    return app


@pytest.mark.parametrize(("secret", "cracked"), [("bankbank", True), ("Bank_secret", True), ("summary2025", True),
                                                 ("alice123", True), ("super-secret", True),
                                                 ("my_secret_key", True), ("weak-secret-key-12345", True),
                                                 ("demo_jwt_secret_2025", True), ("bankbank-9f3ac71e5d2b48c6", False),
                                                 ("weak-secret-key-98765", False)])
def test_a_secret_made_of_the_apis_own_words_is_cracked(tmp_path: Path, secret: str, cracked: bool) -> None:
    with loopback(_hs_app(secret)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("jwt",), login=RECIPE)
    weak = [f for f in result.findings if f.rule_id == "PR-JWT-003"]
    assert bool(weak) is cracked
    assert not cracked or repr(secret) in weak[0].message


def test_own_words_are_built_from_words_and_adjacent_pairs() -> None:
    words = set(own_words(["The Good Bank APIs", "/users/{user_id}/transactions"]))
    assert {"bankbank", "goodbank", "good_bank", "bank_secret", "secretbank", "users123", "Transactions",
            "TRANSACTIONS2026"} <= words
    assert "id" not in words and "" not in words
    assert len(own_words(["word " * 10_000])) < 400 * 60
