"""An update that sets one privilege field of a user record by a path of its own (``POST /user/{id}/role``) is
tried on the first identity's own record with a value the API itself names (else, for a role, the administrator's),
read back at ``GET /user/{id}`` and put back; a server that refuses it stays quiet, and nobody else's record is ever
changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.probe.loopback import OK, Answer, findings_at, json_object, loopback, probe_paths

USER_ID = {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}
PATHS: dict[str, Any] = {
    "/users": {"get": {"security": [], "responses": OK}},
    "/user/{user_id}": {"get": {"security": [], "parameters": [USER_ID], "responses": OK}},
    "/user/{user_id}/role": {"post": {"security": [], "parameters": [USER_ID], "requestBody": {"content": {
        "application/json": {"schema": {"type": "object", "properties": {"role": {"type": "string"}}}}}},
        "responses": OK}},
    "/me": {"get": {"security": [{"bearerAuth": []}], "responses": OK}},
}
TOKENS = {"tok-al": 1, "tok-bo": 2}


def _app(checks_admin: bool, writes: list[tuple[int, str]]) -> Any:
    users = {1: {"id": 1, "username": "al", "role": "user"}, 2: {"id": 2, "username": "bo", "role": "user"},
             3: {"id": 3, "username": "root", "role": "admin"}}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path.rstrip("/")
        caller = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        parts = route.split("/")
        if route == "/users":
            return 200, {}, list(users.values())
        if route == "/me":
            return (200, {}, users[caller]) if caller else (401, {}, {"error": "login first"})
        if len(parts) >= 3 and parts[1] == "user" and parts[2].isdigit() and int(parts[2]) in users:
            uid = int(parts[2])
            if len(parts) == 3 and method == "GET":
                return 200, {}, users[uid]
            if len(parts) == 4 and parts[3] == "role" and method == "POST":
                if checks_admin and (caller is None or users[caller]["role"] != "admin"):
                    return 403, {}, {"error": "administrators only"}
                role = json_object(body).get("role")
                users[uid]["role"] = role
                writes.append((uid, role))
                return 200, {}, {"message": f"Role updated to {role}"}
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize("listed", [True, False], ids=["role-named-by-a-listing", "role-guessed"])
@pytest.mark.parametrize("checks_admin", [False, True])
def test_a_role_set_by_its_own_path_on_ones_own_record(tmp_path: Path, checks_admin: bool, listed: bool) -> None:
    writes: list[tuple[int, str]] = []
    paths = PATHS if listed else {k: v for k, v in PATHS.items() if k != "/users"}
    with loopback(_app(checks_admin, writes)) as url:
        # with the listing, the administrator's record names the value "admin" before the update; without it, the
        # administrator's role is the one guess
        result = probe_paths(tmp_path, url, paths, ("bola", "records"), login=None,
                             auth=("al=Authorization:Bearer tok-al", "bo=Authorization:Bearer tok-bo"))
    found = ("PR-MASS-001", "POST", "/user/{user_id}/role") in findings_at(result)
    assert found is not checks_admin
    assert all(uid == 1 for uid, _ in writes)  # only the first identity's own record was ever written
    if writes:
        assert writes[-1] == (1, "user")  # and its old value was put back
