"""Registration mass assignment when the server writes every key it is sent as a column: the batch of privileged
fields fails the whole insert (an unknown column), so each field is sent alone on a fresh account; ``is_admin``
then sticks and is read back (through the canary, the new account's own login answer, or its token's claims) — and
a server that ignores it stays quiet."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

CREDS = {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
         "required": ["username", "password"]}
PATHS: dict[str, Any] = {
    "/register": {"post": {"requestBody": {"content": {"application/json": {"schema": CREDS}}}, "responses": OK}},
    "/login": {"post": {"requestBody": {"content": {"application/json": {"schema": CREDS}}}, "responses": OK}},
    "/me": {"get": {"security": [{"bearerAuth": []}], "responses": OK}},
}
COLUMNS = {"username", "password", "is_admin"}


def _jwt(claims: dict[str, Any]) -> str:
    """An unsigned token in JWT form (the test app only looks it up)."""
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


def _app(stores_admin: bool, login_shows: bool = False, claims: bool = False) -> Any:
    users: dict[str, dict[str, Any]] = {n: {"username": n, "password": n, "is_admin": False} for n in ("al", "bo")}
    tokens: dict[str, str] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        data = json.loads(body or b"{}") if method == "POST" else {}
        if route == "/register" and method == "POST":
            if not isinstance(data, dict) or not {"username", "password"} <= set(data):
                return 400, {}, {"error": "username and password required"}
            if set(data) - COLUMNS:  # every key becomes a column: an unknown one fails the insert
                return 500, {}, {"error": "registration failed"}
            users[data["username"]] = {"username": data["username"], "password": data["password"],
                                       "is_admin": bool(data.get("is_admin")) if stores_admin else False}
            return 201, {}, {"status": "registered"}
        if route == "/login" and method == "POST":
            user = users.get(data.get("username")) if isinstance(data, dict) else None
            if user is None or user["password"] != data.get("password"):
                return 401, {}, {"error": "bad credentials"}
            token = secrets.token_hex(8) if not claims else _jwt(
                {"sub": user["username"], "is_admin": user["is_admin"], "nonce": secrets.token_hex(4)})
            tokens[token] = user["username"]
            if login_shows:  # the login answer is the user record; /me shows no role
                return 200, {}, {"token": token, "user": {"username": user["username"], "is_admin": user["is_admin"]}}
            return 200, {}, {"token": token}
        name = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if name is None:
            return 401, {}, {"error": "login first"}
        if route == "/me":
            user = users[name]
            return 200, {}, {"username": name, **({} if login_shows or claims else {"is_admin": user["is_admin"]})}
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize("stores_admin", [True, False])
def test_privileged_fields_are_sent_one_at_a_time_after_a_refused_batch(tmp_path: Path, stores_admin: bool) -> None:
    recipe = LoginRecipe("POST", "/login", token_path="token", bodies=(
        {"username": "al", "password": "al"}, {"username": "bo", "password": "bo"}))
    with loopback(_app(stores_admin)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("mass_assignment",), login=recipe)
    assert (("PR-MASS-001", "POST", "/register") in findings_at(result)) is stores_admin


@pytest.mark.parametrize("stores_admin", [True, False])
def test_a_privileged_field_is_read_back_from_the_new_accounts_login_answer(tmp_path: Path,
                                                                             stores_admin: bool) -> None:
    recipe = LoginRecipe("POST", "/login", token_path="token", bodies=(
        {"username": "al", "password": "al"}, {"username": "bo", "password": "bo"}))
    with loopback(_app(stores_admin, login_shows=True)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("mass_assignment",), login=recipe)
    assert (("PR-MASS-001", "POST", "/register") in findings_at(result)) is stores_admin


@pytest.mark.parametrize("stores_admin", [True, False])
def test_a_privileged_field_is_read_back_from_the_new_accounts_token_claims(tmp_path: Path,
                                                                             stores_admin: bool) -> None:
    """The login answers a JWT alone and ``/me`` shows no role: the new account's token claims (``is_admin``) are
    what show the stored field, against an ordinary identity's claims."""
    recipe = LoginRecipe("POST", "/login", token_path="token", bodies=(
        {"username": "al", "password": "al"}, {"username": "bo", "password": "bo"}))
    with loopback(_app(stores_admin, claims=True)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("mass_assignment",), login=recipe)
    assert (("PR-MASS-001", "POST", "/register") in findings_at(result)) is stores_admin


DECLARED = {**PATHS, "/register": {"post": {"requestBody": {"content": {"application/json": {"schema": {
    **CREDS, "properties": {**CREDS["properties"], "is_admin": {"type": "boolean", "example": False}}}}}},
    "responses": OK}}}


@pytest.mark.parametrize("stores_admin", [True, False])
def test_a_privilege_field_the_sign_up_declares_is_set_to_admin_too(tmp_path: Path, stores_admin: bool) -> None:
    """The description itself lists ``is_admin`` (example false) among the sign-up fields: a server that lets the
    caller choose ``true`` escalates all the same, and one that ignores it stays quiet."""
    recipe = LoginRecipe("POST", "/login", token_path="token", bodies=(
        {"username": "al", "password": "al"}, {"username": "bo", "password": "bo"}))
    with loopback(_app(stores_admin)) as url:
        result = probe_paths(tmp_path, url, DECLARED, ("mass_assignment",), login=recipe)
    assert (("PR-MASS-001", "POST", "/register") in findings_at(result)) is stores_admin


def _email_app(stores_role: bool) -> Any:
    """Sign-up takes ``username``, ``email``, ``passwordHash`` and ``role``; the login takes ``email`` and
    ``password`` and answers a token whose claims carry the role."""
    users = {"al@example.com": {"password": "al", "role": "user"}, "bo@example.com": {"password": "bo", "role": "user"}}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        data = json.loads(body or b"{}") if method == "POST" else {}
        if route == "/api/register" and method == "POST":
            if not isinstance(data, dict) or not {"username", "email", "passwordHash"} <= set(data):
                return 400, {}, {"error": "username, email and passwordHash required"}
            users[str(data["email"])] = {"password": data["passwordHash"],
                                         "role": str(data.get("role", "user")) if stores_role else "user"}
            return 201, {}, {"id": len(users), "username": data["username"]}
        if route == "/api/login" and method == "POST":
            user = users.get(str(data.get("email"))) if isinstance(data, dict) else None
            if user is None or user["password"] != data.get("password"):
                return 401, {}, {"error": "bad credentials"}
            return 200, {}, {"token": _jwt({"sub": data["email"], "role": user["role"]})}
        if route.startswith("/api/me"):
            token = headers.get("Authorization", "").removeprefix("Bearer ")
            return (200, {}, {"ok": True}) if token.count(".") == 2 else (401, {}, {"error": "login first"})
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize("stores_role", [True, False])
@pytest.mark.parametrize("own_view", [True, False])
def test_a_sign_up_and_a_login_that_name_their_fields_differently(tmp_path: Path, stores_role: bool,
                                                                  own_view: bool) -> None:
    """The throwaway account signs up with ``passwordHash`` and logs in with ``email`` and ``password``: its
    credentials are shaped as the login takes them, so the role it chose is read from its token's claims — also
    where the API has no parameterless read of one's own account to serve as the canary."""
    signup = {"type": "object", "required": ["username", "email", "passwordHash"], "properties": {
        "username": {"type": "string"}, "email": {"type": "string"}, "passwordHash": {"type": "string"},
        "role": {"type": "string", "example": "user"}}}
    login_body = {"type": "object", "required": ["email", "password"], "properties": {
        "email": {"type": "string"}, "password": {"type": "string"}}}
    paths = {"/api/register": {"post": {"requestBody": {"content": {"application/json": {"schema": signup}}},
                                        "responses": OK}},
             "/api/login": {"post": {"requestBody": {"content": {"application/json": {"schema": login_body}}},
                                     "responses": OK}},
             "/api/me": {"get": {"security": [{"bearerAuth": []}], "responses": OK}}}
    if not own_view:
        paths["/api/me/{id}"] = {"get": {"security": [{"bearerAuth": []}], "responses": OK, "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]}}
        del paths["/api/me"]
    recipe = LoginRecipe("POST", "/api/login", token_path="token", bodies=(
        {"email": "al@example.com", "password": "al"}, {"email": "bo@example.com", "password": "bo"}))
    with loopback(_email_app(stores_role)) as url:
        result = probe_paths(tmp_path, url, paths, ("mass_assignment",), login=recipe)
    assert (("PR-MASS-001", "POST", "/api/register") in findings_at(result)) is stores_role
