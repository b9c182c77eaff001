"""An account creation the description declares open to anyone, taking a user name and no password (the accounts
sign in by name), is where privileged fields are tried when there is no registration operation: the new account
signs in and reads its own record back; a server that ignores the fields stays quiet, and a creation the
description guards is not called as a sign-up."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.account_ops import opens_account
from apishield.probe.identities import LoginRecipe
from apishield.probe.targets import Operation
from tests.probe.loopback import OK, Answer, findings_at, json_object, loopback, probe_paths

NEW_USER = {"type": "object", "required": ["username"], "properties": {
    "username": {"type": "string"}, "email": {"type": "string"}, "role": {"type": "string", "example": "user"}}}
NAME = {"type": "object", "required": ["username"], "properties": {"username": {"type": "string"}}}


def _paths(public: bool) -> dict[str, Any]:
    return {
        "/api/user/create": {"post": {**({"security": []} if public else {}), "requestBody": {
            "content": {"application/json": {"schema": NEW_USER}}}, "responses": OK}},
        "/login": {"post": {"security": [], "requestBody": {"content": {"application/json": {"schema": NAME}}},
                            "responses": OK}},
        "/api/profile": {"get": {"security": [{"bearerAuth": []}], "responses": OK}},
    }


def _app(stores_role: bool, created: list[str]) -> Any:
    users: dict[str, dict[str, Any]] = {n: {"username": n, "role": "user", "admin": False} for n in ("al", "bo")}
    tokens: dict[str, str] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        data = json_object(body) if method == "POST" else {}
        if route == "/api/user/create" and method == "POST":
            name = data.get("username")
            if not isinstance(name, str) or name in users:
                return 400, {}, {"error": "username missing or taken"}
            users[name] = {"username": name, "role": data.get("role", "user") if stores_role else "user",
                           "admin": bool(data.get("admin")) if stores_role else False}
            created.append(name)
            return 200, {}, {"success": True, "user": users[name]}
        if route == "/login" and method == "POST":
            if data.get("username") not in users:
                return 401, {}, {"error": "invalid username"}
            token = secrets.token_hex(8)
            tokens[token] = data["username"]
            return 200, {}, {"token": token}
        name = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if name is None:
            return 401, {}, {"error": "login first"}
        if route == "/api/profile":
            return 200, {}, users[name]
        return 404, {}, {"error": "not found"}
    return app


RECIPE = LoginRecipe("POST", "/login", token_path="token", bodies=({"username": "al"}, {"username": "bo"}))


@pytest.mark.parametrize("stores_role", [True, False])
def test_privileged_fields_at_an_open_creation_are_read_back_by_the_new_account(tmp_path: Path,
                                                                                 stores_role: bool) -> None:
    created: list[str] = []
    with loopback(_app(stores_role, created)) as url:
        result = probe_paths(tmp_path, url, _paths(public=True), ("mass_assignment",), login=RECIPE)
    assert (("PR-MASS-001", "POST", "/api/user/create") in findings_at(result)) is stores_role
    assert created


def test_a_guarded_creation_without_a_password_is_not_taken_for_a_sign_up(tmp_path: Path) -> None:
    created: list[str] = []
    with loopback(_app(True, created)) as url:
        result = probe_paths(tmp_path, url, _paths(public=False), ("mass_assignment",), login=RECIPE)
    assert not any(f.rule_id == "PR-MASS-001" for f in result.findings)
    assert not created


@pytest.mark.parametrize(("method", "path", "secured", "fields", "opens"), [
    ("POST", "/api/user/create", False, ("username", "role"), True),
    ("POST", "/members", False, ("email",), True),
    ("POST", "/api/user/create", None, ("username",), False),  # the description does not say it is open
    ("POST", "/api/orders", False, ("username",), False),  # not an account collection
    ("POST", "/admin/users/create", False, ("username",), False),  # administrative
    ("PUT", "/api/user/create", False, ("username",), False),
])
def test_which_operations_open_an_account(method: str, path: str, secured: bool | None, fields: tuple[str, ...],
                                          opens: bool) -> None:
    op = Operation(method, path, secured=secured, body_schema={
        "type": "object", "properties": {f: {"type": "string"} for f in fields}})
    assert opens_account(op) is opens
