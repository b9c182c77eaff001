"""A deletion or update the description protects, asked without credentials about an object no store holds: a
handler that answers its own "not found" to the anonymous caller exactly as to an identity runs without
authentication (must fire, where the API's other protected operations answer 401); a gate that refuses first, a
router that does not serve the path, and a handler whose anonymous answer differs stay quiet. Nothing the API held
is changed: the id is one no store holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
USER_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
SPEC = {
    "/api/balance": {"get": {"security": BEARER, "responses": OK}},
    "/api/users/{id}": {"delete": {"summary": "Delete a user", "parameters": [USER_ID], "security": BEARER,
                                   "responses": OK}},
}


@pytest.mark.parametrize(("server", "reported"), [
    ("unguarded", True),  # must fire: the handler's own 404 to anyone
    ("guarded", False),  # the gate refuses first
    ("router-404", False),  # the path is not served: the router's own answer
    ("differs", False),  # the anonymous caller is told something else
])
def test_an_unguarded_deletion_answers_anonymous_callers_like_identities(tmp_path: Path, server: str,
                                                                           reported: bool) -> None:
    users: dict[int, dict[str, Any]] = {1: {"id": 1, "name": "jdoe"}, 3: {"id": 3, "name": "msmith"}}
    tokens = {"tok-jdoe": 1, "tok-msmith": 3}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        caller = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        parts = path.split("?")[0].strip("/").split("/")
        if parts == ["api", "balance"] and method == "GET":
            return (401, {}, {"error": "Access token required"}) if caller is None else (200, {}, {"total": 10})
        if len(parts) == 3 and parts[:2] == ["api", "users"] and method == "DELETE" and server != "router-404":
            if server == "guarded" and caller is None:
                return 401, {}, {"error": "Access token required"}
            if server == "differs" and caller is None:
                return 404, {}, {"error": "Nothing here for you"}
            uid = int(parts[2]) if parts[2].isdigit() else -1
            if uid not in users:
                return 404, {}, {"error": "User not found"}
            return 500, {}, {"error": "FOREIGN KEY constraint failed"}
        return 404, {}, {"error": "Cannot " + method + " " + path}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("authn",),
                             auth=("jdoe=Authorization:Bearer tok-jdoe", "msmith=Authorization:Bearer tok-msmith"))
    found = ("PR-AUTH-001", "DELETE", "/api/users/{id}") in findings_at(result)
    assert found is reported
    assert set(users) == {1, 3}  # nothing the API held was changed
