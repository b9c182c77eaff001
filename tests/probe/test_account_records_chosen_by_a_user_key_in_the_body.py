"""An account update that names no account in its path but takes a user key in its body (``PUT /profile`` with
``{"user_id": 3, "bio": ...}``): the first identity naming the second's key and changing the second's record, as the
second identity's own read shows, is a write finding, and the old value is put back. An update that checks the key
against the caller, and one that ignores the key and changes the caller's own record, stay quiet; the sender's own
record is put back in the second case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
TOKENS = {"tok-alice": 2, "tok-bob": 3}
PATHS: dict[str, Any] = {
    "/api/profile": {
        "get": {"security": BEARER, "responses": OK},
        "put": {"security": BEARER, "responses": OK, "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"user_id": {"type": "integer"}, "bio": {"type": "string"}}}}}}},
    },
}


def _app(mode: str, profiles: dict[int, dict[str, Any]]) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if who is None:
            return 401, {}, {"error": "login first"}
        if path.split("?")[0].rstrip("/") != "/api/profile":
            return 404, {}, {"error": "not found"}
        if method == "GET":
            return 200, {}, profiles[who]
        data = json.loads(body or b"{}")
        target = who if mode == "ignored" else int(data.get("user_id", who))
        if mode == "checked" and target != who:
            return 403, {}, {"error": "not your profile"}
        if target not in profiles:
            return 404, {}, {"error": "no such user"}
        if isinstance(data.get("bio"), str):
            profiles[target]["bio"] = data["bio"]
        return 200, {}, profiles[target]
    return app


@pytest.mark.parametrize(("mode", "expected"), [("unchecked", True), ("checked", False), ("ignored", False)])
def test_account_records_chosen_by_a_body_key(tmp_path: Path, mode: str, expected: bool) -> None:
    profiles = {2: {"id": 2, "username": "alice", "bio": "alice's words"},
                3: {"id": 3, "username": "bob", "bio": "bob's words"}}
    with loopback(_app(mode, profiles)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("records",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    found = [f for f in result.findings if f.rule_id == "PR-BOLA-002" and "in the body" in f.message]
    assert bool(found) is expected
    if expected:
        assert ("PR-BOLA-002", "PUT", "/api/profile") in findings_at(result)
    assert profiles[2]["bio"] == "alice's words" and profiles[3]["bio"] == "bob's words"  # both put back
