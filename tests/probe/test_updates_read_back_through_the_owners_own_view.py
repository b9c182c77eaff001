"""Updates by path of user records whose API has no read by id, only the caller's own view (``PUT /users/{id}``
and ``PUT /users/{id}/role`` beside ``GET /users/me``): the first identity's update of the second one's record
must show in the second one's own view (BOLA write), and a role the API names must show in the first identity's
own view after it sets it on itself (mass assignment) — both put back. Quiet when the server checks whose
record it is and refuses role changes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _body(**props: Any) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"type": "object", "properties": props}}}}


SPEC = {
    "/api/login": {"post": {"requestBody": _body(username={"type": "string"}, password={"type": "string"}),
                            "responses": OK}},
    "/api/users/me": {"get": {"security": BEARER, "responses": OK}},
    "/api/users/{id}": {"put": {"security": BEARER, "parameters": ID, "responses": OK,
                                "requestBody": _body(fullName={"type": "string"}, phone={"type": "string"})}},
    "/api/users/{id}/role": {"put": {"security": BEARER, "parameters": ID, "responses": OK,
                                     "requestBody": _body(role={"type": "string"})}},
    "/api/admin/users": {"get": {"security": BEARER, "responses": OK}},
}
USERS = {1: {"id": 1, "username": "admin", "fullName": "Admin", "phone": "555-0100", "role": "admin"},
         2: {"id": 2, "username": "john", "fullName": "John Doe", "phone": "555-0200", "role": "user"},
         3: {"id": 3, "username": "jane", "fullName": "Jane Smith", "phone": "555-0300", "role": "user"}}
PASSWORDS = {"john": "john-pass-1", "jane": "jane-pass-1"}
RECIPE = LoginRecipe("POST", "/api/login", token_path="token",
                     bodies=({"username": "john", "password": "john-pass-1"},
                             {"username": "jane", "password": "jane-pass-1"}))


def _app(checked: bool, users: dict[int, dict[str, Any]]) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        sent = json.loads(body or b"{}") if body else {}
        if method == "POST" and route == "/api/login":
            uid = next((i for i, u in users.items() if u["username"] == sent.get("username")), None)
            if uid is None or PASSWORDS.get(str(sent.get("username"))) != sent.get("password"):
                return 401, {}, {"error": "invalid credentials"}
            return 200, {}, {"token": f"tok-{uid}", "user": {"id": uid, "username": sent["username"]}}
        auth = headers.get("Authorization", "").removeprefix("Bearer ")
        me = int(auth[4:]) if auth.startswith("tok-") and auth[4:].isdigit() and int(auth[4:]) in users else None
        if me is None:
            return 401, {}, {"error": "sign in"}
        if method == "GET" and route == "/api/users/me":
            return 200, {}, users[me]
        if method == "GET" and route == "/api/admin/users":
            return (403, {}, {"error": "admins only"}) if checked and users[me]["role"] != "admin" else (
                200, {}, {"users": [{"id": u["id"], "role": u["role"]} for u in users.values()]})
        parts = route.strip("/").split("/")
        if method == "PUT" and parts[:2] == ["api", "users"] and len(parts) >= 3 and parts[2].isdigit():
            uid = int(parts[2])
            if uid not in users:
                return 404, {}, {"error": "not found"}
            if checked and uid != me and users[me]["role"] != "admin":
                return 403, {}, {"error": "not yours"}
            if len(parts) == 4 and parts[3] == "role":
                if checked and users[me]["role"] != "admin":
                    return 403, {}, {"error": "admins only"}
                users[uid]["role"] = str(sent.get("role"))
            else:
                users[uid].update({k: v for k, v in sent.items() if k in ("fullName", "phone")})
            return 200, {}, users[uid]
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize("checked", [False, True])
def test_updates_read_back_through_the_owners_own_view(tmp_path: Path, checked: bool) -> None:
    users = copy.deepcopy(USERS)
    with loopback(_app(checked, users)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl", "bfla", "records"), login=RECIPE)
    found = findings_at(result)
    assert (("PR-BOLA-002", "PUT", "/api/users/{id}") in found) is not checked
    assert (("PR-MASS-001", "PUT", "/api/users/{id}/role") in found) is not checked
    assert users[3]["fullName"] == "Jane Smith" and users[2]["role"] == "user"  # everything put back
