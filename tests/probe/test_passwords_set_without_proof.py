"""A password set for an account the body names (``PUT /api/reset/change {email, password}``) with no reset secret
or current password is an account takeover: proven on a throwaway account of the probe's own, which must sign in
with the new password afterwards (refused just before). Quiet when the operation checks a reset token, and when the
login takes any password (a sign-in then proves nothing). No account but the throwaway one is ever named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

ACCOUNT = {"type": "object", "required": ["email", "password"],
           "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}
BODY = {"content": {"application/json": {"schema": ACCOUNT}}}
SPEC: dict[str, Any] = {
    "/api/login": {"post": {"requestBody": BODY, "responses": OK}},
    "/api/register": {"post": {"requestBody": BODY, "responses": {"201": {"description": "created"}}}},
    "/api/me": {"get": {"security": [{"bearerAuth": []}], "responses": OK}},
    "/api/reset/change": {"put": {"operationId": "changePassword", "summary": "Set the new password",
                                  "requestBody": BODY, "responses": OK}},
}
RECIPE = LoginRecipe("POST", "/api/login", token_path="token",
                     bodies=({"email": "alice@example.org", "password": "alice-pass-1"},
                             {"email": "bob@example.org", "password": "bob-pass-2"}))


def _app(server: str, changed: list[str]) -> Any:
    """``server``: ``unproven`` (sets any named account's password), ``token-checked`` (wants a valid reset token) or
    ``any-password`` (the login signs anyone in whatever the password)."""
    users = {"alice@example.org": "alice-pass-1", "bob@example.org": "bob-pass-2"}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            sent = json.loads(body or b"{}")
        except ValueError:
            return 400, {}, {"error": "bad json"}
        email, password = str(sent.get("email")), str(sent.get("password"))
        if method == "POST" and route == "/api/register":
            if email in users:
                return 409, {}, {"error": "taken"}
            users[email] = password
            return 201, {}, {"email": email}
        if method == "POST" and route == "/api/login":
            if email not in users or (server != "any-password" and users[email] != password):
                return 401, {}, {"error": "invalid credentials"}
            return 200, {}, {"token": f"tok-{email}"}
        if method == "GET" and route == "/api/me":
            return (200, {}, {"email": token[4:]}) if token.startswith("tok-") else (401, {}, {"error": "sign in"})
        if method == "PUT" and route == "/api/reset/change":
            if server == "token-checked":
                return 400, {}, {"error": "invalid reset token"}
            if email not in users:
                return 404, {}, {"error": "no such account"}
            changed.append(email)
            users[email] = password
            return 200, {}, {"data": "success"}
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize(("server", "fires"), [("unproven", True), ("token-checked", False), ("any-password", False)])
def test_a_password_set_for_a_named_account(tmp_path: Path, server: str, fires: bool) -> None:
    changed: list[str] = []
    with loopback(_app(server, changed)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("password_set",), login=RECIPE)
    assert (("PR-RESET-002", "PUT", "/api/reset/change") in findings_at(result)) is fires
    assert not {"alice@example.org", "bob@example.org"} & set(changed)  # only the probe's own account is named
