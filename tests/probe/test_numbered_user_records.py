"""Identities known by name only (HTTP Basic credentials, a login answer without an id) on an API whose user
records are numbered (``GET /users/{user_id}``): each identity reads ids 1..10 with its own credentials and takes
the id of the one record that names it, so the object-level check can ask for the other identity's record. An API
that lets any user read any record must be reported; one that shows each user only its own record, and one that
answers every id with the caller's own record (it ignores the id), must not."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.probe.loopback import OK, Answer, loopback, probe_paths

BASIC = [{"basic": []}]
SPEC = {
    "/me": {"get": {"security": BASIC, "responses": OK}},
    "/users/{user_id}": {"get": {"security": BASIC, "responses": OK, "parameters": [
        {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}]}},
}
USERS = {1: ("admin", "admin-pass-0"), 4: ("alice", "alice-pass-1"), 7: ("bob", "bob-pass-2")}


def _app(mode: str) -> Any:
    """``mode``: "open" (any user reads any record), "own" (only one's own), "ignores" (the caller's own record
    whatever the id)."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        name, _, password = base64.b64decode(headers.get("Authorization", "Basic ")[6:] or b"").decode().partition(":")
        caller = next((uid for uid, (n, p) in USERS.items() if n == name and p == password), None)
        if caller is None:
            return 401, {}, {"detail": "unauthorized"}
        if route == "/me":
            return 200, {}, {"username": USERS[caller][0]}  # no id: the probe must find it
        if route.startswith("/users/"):
            tail = route.rsplit("/", 1)[-1]
            wanted = int(tail) if tail.isdigit() else -1
            if mode == "ignores":
                wanted = caller
            if wanted not in USERS:
                return 404, {}, {"detail": "not found"}
            if mode == "own" and wanted != caller:
                return 403, {}, {"detail": "forbidden"}
            return 200, {}, {"id": wanted, "username": USERS[wanted][0], "email": f"{USERS[wanted][0]}@example.com"}
        return 404, {}, {"detail": "not found"}

    return app


@pytest.mark.parametrize(("mode", "expected"), [("open", True), ("own", False), ("ignores", False)])
def test_numbered_user_records_are_read_across_once_the_ids_are_found(tmp_path: Path, mode: str,
                                                                       expected: bool) -> None:
    auth = [f"{n}=Authorization:Basic " + base64.b64encode(f"{n}:{p}".encode()).decode()
            for n, p in (USERS[4], USERS[7])]
    with loopback(_app(mode)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("bola",), auth=auth)
    found = {(f.rule_id, f.method, f.http_path) for f in result.findings if f.rule_id.startswith("PR-BOLA")}
    assert found == ({("PR-BOLA-001", "GET", "/users/{user_id}")} if expected else set())
