"""Mass assignment through the caller's own account update (``PUT /user`` with the caller's token, the body naming
no one): a throwaway account of the probe's own sends a privileged field and a flipped flag its account shows; a
finding needs the account's own read to show the new value. An API that keeps such fields out of the update stays
quiet, and the run's own identities are never updated."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import (
    ACCOUNT_ID,
    EMAIL_ACCOUNTS,
    EMAIL_LOGIN,
    OK,
    Answer,
    email_account_answer,
    findings_at,
    loopback,
    probe_paths,
)

CREDS = {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}
PATHS: dict[str, Any] = {
    "/user": {
        "post": {"summary": "Create User", "requestBody": {"content": {"application/json": {"schema": CREDS}}},
                 "responses": OK},
        "get": {"security": [{"ApiKeyAuth": []}], "responses": OK},
        "put": {"security": [{"ApiKeyAuth": []}], "responses": OK, "requestBody": {"content": {"application/json": {
            "schema": {"type": "object", "example": {"email_id": "a@example.com", "phone": "+1 555 0100"}}}}}},
    },
    "/user/login": {"post": {"requestBody": {"content": {"application/json": {"schema": CREDS}}}, "responses": OK}},
}


def _app(writes_everything: bool, updated: list[str]) -> Any:
    users: dict[str, dict[str, Any]] = {n: {"username": n, "password": f"{n}pass", "employee": 0,
                                            "email_id": ""} for n in ("user001", "user002")}
    tokens: dict[str, str] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path.rstrip("/")
        data = json.loads(body or b"{}") if method in ("POST", "PUT") else {}
        if route == "/user" and method == "POST":
            users[data["username"]] = {"username": data["username"], "password": data["password"], "employee": 0,
                                       "email_id": ""}
            return 200, {}, {"status": "created"}
        if route == "/user/login" and method == "POST":
            user = users.get(data.get("username"))
            if user is None or user["password"] != data.get("password"):
                return 401, {}, {"error": "bad credentials"}
            token = secrets.token_hex(8)
            tokens[token] = user["username"]
            return 200, {}, {"token": token}
        name = tokens.get(headers.get("X-API-key", ""))
        if name is None:
            return 401, {}, {"error": "login first"}
        if route == "/user" and method == "GET":
            user = users[name]
            return 200, {}, {"response": {"username": name, "employee": user["employee"], "email_id": user["email_id"]}}
        if route == "/user" and method == "PUT":
            updated.append(name)
            for key, value in data.items():
                if writes_everything or key in ("email_id", "phone"):
                    if key in users[name] or writes_everything:
                        users[name][key] = value
            user = users[name]  # the account as it now is, like the update answers of many APIs
            return 200, {}, {"status": "OK", "response": {"username": name, "employee": user["employee"],
                                                           "email_id": user["email_id"]}}
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize("with_get", [True, False])
@pytest.mark.parametrize("writes_everything", [True, False])
def test_a_throwaway_account_updates_itself_with_privileged_fields(tmp_path: Path, writes_everything: bool,
                                                                   with_get: bool) -> None:
    """Read back by ``GET /user``, or, where the description has none, by the answer to a second update that
    sends none of the changed fields."""
    paths = PATHS if with_get else {**PATHS, "/user": {k: v for k, v in PATHS["/user"].items() if k != "get"}}
    updated: list[str] = []
    recipe = LoginRecipe("POST", "/user/login", token_path="token", header="X-API-key: {token}", bodies=(
        {"username": "user001", "password": "user001pass"}, {"username": "user002", "password": "user002pass"}))
    with loopback(_app(writes_everything, updated)) as url:
        result = probe_paths(tmp_path, url, paths, ("mass_assignment",), login=recipe)
    assert (("PR-MASS-001", "PUT", "/user") in findings_at(result)) is writes_everything
    assert updated and not {"user001", "user002"} & set(updated)  # only the probe's own account was updated


KEYED: dict[str, Any] = {
    **EMAIL_ACCOUNTS,
    "/api/users/{id}": {
        "get": {"parameters": [ACCOUNT_ID], "security": [{"bearer": []}], "responses": OK},
        "put": {"parameters": [ACCOUNT_ID], "security": [{"bearer": []}], "responses": OK,
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "username": {"type": "string"}, "role": {"type": "string"}}}}}}},
    },
}


#: the same update declaring an e-mail whose documented example another account holds
CLASHING = {**KEYED, "/api/users/{id}": {**KEYED["/api/users/{id}"], "put": {
    **KEYED["/api/users/{id}"]["put"], "requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"username": {"type": "string"}, "role": {"type": "string"},
                                         "email": {"type": "string", "example": "alice@example.com"}}}}}}}}}


def _alice_and_bob() -> dict[int, dict[str, Any]]:
    """Two ordinary accounts that sign in by e-mail, fresh for each test (the apps change them)."""
    return {2: {"id": 2, "username": "alice", "email": "alice@example.com", "password": "alicepass", "role": "user"},
            3: {"id": 3, "username": "bob", "email": "bob@example.com", "password": "bobpass", "role": "user"}}


@pytest.mark.parametrize("clashing_example", [False, True])
@pytest.mark.parametrize("binds_role", [True, False])
def test_an_account_named_by_its_key_is_updated_at_the_throwaways_own_key(tmp_path: Path, binds_role: bool,
                                                                          clashing_example: bool) -> None:
    """``PUT /api/users/{id}``: the throwaway account writes its own record only (its id from the login answer), a
    privileged field the description declares included; a role that sticks is the finding. A declared field keeps
    the account's own value, so an example another account holds (a unique e-mail) cannot make the update fail."""
    users = _alice_and_bob()
    tokens: dict[str, int] = {}
    written: list[int] = []

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path.rstrip("/")
        data = json.loads(body or b"{}") if method in ("POST", "PUT") else {}
        if (signed := email_account_answer(route, method, data, users, tokens,
                                           ("id", "username", "email", "role"), role="user")) is not None:
            return signed
        who = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if who is None:
            return 401, {}, {"error": "login first"}
        if route.startswith("/api/users/"):
            key = route.rsplit("/", 1)[1]
            user = users.get(int(key)) if key.isdigit() else None
            if user is None or user["id"] != who:
                return 403, {}, {"error": "not yours"}
            if method == "PUT":
                if any(u["email"] == data.get("email") for u in users.values() if u is not user):
                    return 409, {}, {"error": "e-mail already taken"}
                written.append(user["id"])
                user["username"] = data.get("username") or user["username"]
                if binds_role and data.get("role"):
                    user["role"] = data["role"]
            return 200, {}, {"user": {k: user[k] for k in ("id", "username", "email", "role")}}
        return 404, {}, {"error": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, CLASHING if clashing_example else KEYED, ("mass_assignment",),
                             login=EMAIL_LOGIN)
    assert (("PR-MASS-001", "PUT", "/api/users/{id}") in findings_at(result)) is binds_role
    assert written and not {2, 3} & set(written)  # only the probe's own account was written


PROFILE: dict[str, Any] = {
    "/api/auth/login": EMAIL_ACCOUNTS["/api/auth/login"],
    "/api/users/{id}": {"get": {"parameters": [ACCOUNT_ID], "security": [{"bearer": []}], "responses": OK}},
    "/api/users/{id}/profile": {
        "put": {"parameters": [ACCOUNT_ID], "security": [{"bearer": []}], "responses": OK,
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "email": {"type": "string"}, "role": {"type": "string"}}}}}}},
    },
}


@pytest.mark.parametrize("binds_role", [True, False])
def test_a_part_of_an_account_updated_by_a_path_of_its_own_is_read_back_at_the_account(tmp_path: Path,
                                                                                         binds_role: bool) -> None:
    """``PUT /api/users/{id}/profile`` with no sign-up to make a throwaway account: the run's last identity updates
    its own profile with the role its record shows set to the administrator's, reads ``GET /api/users/{id}``, and
    gets its old role back at once."""
    users = _alice_and_bob()
    tokens: dict[str, int] = {}
    roles: list[str] = []

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path.rstrip("/")
        data = json.loads(body or b"{}") if method in ("POST", "PUT") else {}
        if (signed := email_account_answer(route, method, data, users, tokens,
                                           ("id", "username", "email", "role"))) is not None:
            return signed
        who = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if who is None:
            return 401, {}, {"error": "login first"}
        parts = route.split("/")
        user = users.get(int(parts[3])) if len(parts) > 3 and parts[3].isdigit() else None
        if user is None or user["id"] != who:
            return 403, {}, {"error": "not yours"}
        if method == "PUT" and route.endswith("/profile"):
            for key, value in data.items():
                if key in ("email", "role") and (binds_role or key != "role"):
                    user[key] = value
            roles.append(user["role"])
        return 200, {}, {k: user[k] for k in ("id", "username", "email", "role")}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, PROFILE, ("mass_assignment",), login=EMAIL_LOGIN)
    assert (("PR-MASS-001", "PUT", "/api/users/{id}/profile") in findings_at(result)) is binds_role
    assert users[3]["role"] == "user" and users[2]["role"] == "user"  # put back at once
    assert roles  # the update ran
