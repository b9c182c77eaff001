"""A transfer that names its source account in the body must check that the account is the caller's. Fires
when one identity moves money out of the other's account (read back in the other's own balance); stays quiet
when the server refuses a foreign source account, when it debits the caller whatever the body says, and when
nothing tells the identities' accounts apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.checks.transfers import key_for, transfer_fields
from apishield.probe.identities import LoginRecipe
from apishield.probe.targets import Operation
from tests.probe.loopback import OK, Answer, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
LOGIN_BODY = {"content": {"application/json": {"schema": {"type": "object", "required": ["username", "password"],
                                                           "properties": {"username": {"type": "string"},
                                                                          "password": {"type": "string"}}}}}}
TRANSFER_BODY = {"content": {"application/json": {"schema": {
    "type": "object", "required": ["from_account_id", "to_account_id", "amount"],
    "properties": {"from_account_id": {"type": "integer"}, "to_account_id": {"type": "integer"},
                   "amount": {"type": "number"}, "note": {"type": "string"}}}}}}
SPEC = {
    "/api/login": {"post": {"requestBody": LOGIN_BODY, "responses": OK}},
    "/api/accounts": {"get": {"security": BEARER, "responses": OK}},
    "/api/account/user/{id}": {"get": {"security": BEARER, "responses": OK, "parameters": [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]}},
    "/api/transfer": {"post": {"security": BEARER, "requestBody": TRANSFER_BODY, "responses": OK}},
}
RECIPE = LoginRecipe("POST", "/api/login", token_path="token",
                     bodies=({"username": "alice", "password": "alice-pass-1"},
                             {"username": "bob", "password": "bob-pass-2"}))
USERS = {"alice": (1, "alice-pass-1"), "bob": (2, "bob-pass-2")}


def _bank(behaviour: str, listing: str) -> tuple[Any, dict[int, dict[str, Any]]]:
    """``behaviour``: ``unchecked`` (any source account), ``checked`` (403 unless the caller's), ``caller`` (the
    caller's own account is debited whatever the body names). ``listing``: ``own`` (each caller sees its own
    accounts), ``by_user`` (its own, in an envelope, at a path keyed by its id), ``all``
    (everyone's, with an owner field) or ``anonymous`` (everyone's, no owner field)."""
    accounts = {101: {"id": 101, "owner_id": 1, "balance": 500.0}, 202: {"id": 202, "owner_id": 2, "balance": 700.0}}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if method == "POST" and route == "/api/login":
            try:
                sent = json.loads(body or b"{}")
            except ValueError:
                return 400, {}, {"error": "bad json"}
            user = USERS.get(str(sent.get("username"))) if isinstance(sent, dict) else None
            if user is None or sent.get("password") != user[1]:
                return 401, {}, {"error": "invalid credentials"}
            return 200, {}, {"token": f"tok-{user[0]}", "user": {"id": user[0], "username": sent["username"]}}
        auth = headers.get("Authorization", "").removeprefix("Bearer ")
        caller = int(auth.removeprefix("tok-")) if auth in ("tok-1", "tok-2") else None
        if caller is None:
            return 401, {}, {"error": "sign in"}
        if method == "GET" and route.startswith("/api/account/user/"):
            if listing != "by_user" or route.rsplit("/", 1)[-1] != str(caller):
                return 404, {}, {"error": "not found"}
            return 200, {}, {"account": next(a for a in accounts.values() if a["owner_id"] == caller)}
        if method == "GET" and route == "/api/accounts":
            if listing == "by_user":
                return 404, {}, {"error": "not found"}
            rows = [a for a in accounts.values() if listing != "own" or a["owner_id"] == caller]
            if listing == "anonymous":
                rows = [{"id": a["id"], "balance": a["balance"]} for a in rows]
            return 200, {}, {"accounts": rows}
        if method == "POST" and route == "/api/transfer":
            try:
                sent = json.loads(body or b"{}")
                source, target, amount = accounts[int(sent["from_account_id"])], accounts[int(
                    sent["to_account_id"])], float(sent["amount"])
            except (ValueError, KeyError, TypeError):
                return 400, {}, {"error": "bad transfer"}
            if behaviour == "checked" and source["owner_id"] != caller:
                return 403, {}, {"error": "not your account"}
            if behaviour == "caller":
                source = next(a for a in accounts.values() if a["owner_id"] == caller)
            source["balance"] -= amount
            target["balance"] += amount
            return 200, {}, {"status": "ok"}
        return 404, {}, {"error": "not found"}

    return app, accounts


@pytest.mark.parametrize(("behaviour", "listing", "fires"), [
    ("unchecked", "own", True), ("unchecked", "all", True), ("unchecked", "by_user", True),
    ("checked", "own", False), ("checked", "all", False),
    ("caller", "own", False), ("unchecked", "anonymous", False)])
def test_a_transfer_out_of_another_identitys_account_is_reported(tmp_path: Path, behaviour: str, listing: str,
                                                                 fires: bool) -> None:
    app, accounts = _bank(behaviour, listing)
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("transfers",), login=RECIPE)
    found = [f for f in result.findings if f.rule_id == "PR-BOLA-002"]
    assert bool(found) is fires
    if fires:
        assert "balance 700 → 699" in found[0].message
        assert accounts[202]["balance"] == 700.0 and accounts[101]["balance"] == 500.0  # the unit went back


def test_transfer_fields_and_account_keys() -> None:
    def op(*fields: str) -> Operation:
        return Operation("POST", "/t", body_schema={"type": "object", "properties": {f: {} for f in fields}})

    assert transfer_fields(op("fromAccount", "toAccount", "amount")) == ("fromAccount", "toAccount", "amount")
    assert transfer_fields(op("source_account_number", "amount")) == ("source_account_number", None, "amount")
    assert transfer_fields(op("title", "amount")) is None and transfer_fields(op("from_account_id")) is None
    assert key_for("from_account_number", {"id": 3, "account_number": "ACC-9"}) == "account_number"
    assert key_for("from_account_id", {"id": 3, "account_number": "ACC-9"}) == "id"


def test_one_account_read_by_its_own_key_is_not_the_identitys_listing(tmp_path: Path) -> None:
    """Only ``GET /api/accounts/{account_id}`` reads accounts, and it reads anyone's: filling its key with an
    identity's id would take another user's account for the identity's own. The transfer checks its source
    account, so nothing is reported."""
    accounts = {1: {"id": 1, "owner_id": 2, "balance": 500.0}, 2: {"id": 2, "owner_id": 1, "balance": 700.0}}
    spec = {k: v for k, v in SPEC.items() if k in ("/api/login", "/api/transfer")}
    spec["/api/accounts/{account_id}"] = {"get": {"security": BEARER, "responses": OK, "parameters": [
        {"name": "account_id", "in": "path", "required": True, "schema": {"type": "integer"}}]}}
    inner, _ = _bank("checked", "own")

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if method == "GET" and route.startswith("/api/accounts/"):
            found = accounts.get(int(route.rsplit("/", 1)[-1])) if route.rsplit("/", 1)[-1].isdigit() else None
            return (200, {}, found) if found else (404, {}, {"error": "not found"})
        if method == "POST" and route == "/api/transfer":
            sent = json.loads(body or b"{}")
            caller = int(headers.get("Authorization", "").removeprefix("Bearer tok-") or 0)
            source = accounts.get(int(sent.get("from_account_id") or 0))
            if source is None or source["owner_id"] != caller:
                return 403, {}, {"error": "not your account"}
            source["balance"] -= float(sent["amount"])
            return 200, {}, {"status": "ok"}
        return inner(method, path, headers, body)

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("transfers",), login=RECIPE)
    assert not [f for f in result.findings if f.rule_id == "PR-BOLA-002"]
