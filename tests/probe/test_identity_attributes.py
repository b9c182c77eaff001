"""Path parameters filled from the identities' own answers: a login answer that carries ``accountNumber`` gives
each identity its own value for ``/transactions/{account_number}`` (names compared without case, ``_`` or
``-``), so the object-level check can ask one identity for the other's account — and fires only when the server
shows it."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from apishield.probe.objects import attribute_key, identity_value, learn_attributes
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
PATHS: dict[str, Any] = {
    "/login": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
        "username": {"type": "string"}, "password": {"type": "string"}}}}}}, "responses": OK}},
    "/transactions/{account_number}": {"get": {"security": BEARER, "parameters": [
        {"name": "account_number", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": OK}},
}
ACCOUNTS = {"alice": "4410027391", "bob": "4410088123"}


def test_attribute_names_match_across_spellings() -> None:
    attributes: dict[str, Any] = {}
    learn_attributes(attributes, {"token": "t", "user": {"id": 2, "accountNumber": "44", "password": "pw"}})
    assert attribute_key("account_number") == attribute_key("accountNumber") == attribute_key("Account-Number")
    assert identity_value("account_number", "alice", 2, "/transactions", attributes) == "44"
    assert "password" not in attributes and "token" not in attributes
    assert identity_value("id", "alice", 2, "/items", attributes) is None  # too generic to be the identity's


def _app(owner_checked: bool) -> Any:
    tokens: dict[str, str] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route == "/login" and method == "POST":
            name = json.loads(body or b"{}").get("username")
            if name not in ACCOUNTS:
                return 401, {}, {"error": "bad credentials"}
            token = secrets.token_hex(8)
            tokens[token] = name
            return 200, {}, {"token": token, "user": {"id": len(tokens) + 1, "username": name,
                                                      "accountNumber": ACCOUNTS[name]}}
        caller = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if caller is None:
            return 401, {}, {"error": "login first"}
        if route.startswith("/transactions/"):
            account = route.rsplit("/", 1)[1]
            owner = next((n for n, a in ACCOUNTS.items() if a == account), None)
            if owner is None:
                return 404, {}, {"error": "no such account"}
            if owner_checked and owner != caller:
                return 403, {}, {"error": "not your account"}
            return 200, {}, {"account": account, "transactions": [
                {"id": 7 if owner == "alice" else 9, "amount": 12.5 if owner == "alice" else 40.0, "to": "shop"}]}
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize("owner_checked", [False, True])
def test_account_keyed_paths_use_the_login_answers_own_fields(tmp_path: Path, owner_checked: bool) -> None:
    recipe = LoginRecipe("POST", "/login", token_path="token", bodies=(
        {"username": "alice", "password": "a"}, {"username": "bob", "password": "b"}))
    with loopback(_app(owner_checked)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("bola",), login=recipe)
    read = ("PR-BOLA-001", "GET", "/transactions/{account_number}") in findings_at(result)
    assert read is not owner_checked
