"""``DELETE /api/users/{id}`` with another user's key: the victim is always a throwaway account of the probe's own
(registered for the purpose, its key learnt from its own sign-in), and a finding needs the account gone afterwards
(it can no longer sign in, where it could just before). An API that lets each user delete only their own account, or
answers success and keeps it, stays quiet, and the run's own identities are never deleted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

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

PATHS: dict[str, Any] = {
    **EMAIL_ACCOUNTS,
    "/api/users/{id}": {
        "get": {"parameters": [ACCOUNT_ID], "security": [{"bearer": []}], "responses": OK},
        "delete": {"parameters": [ACCOUNT_ID], "security": [{"bearer": []}], "responses": OK},
    },
}


@pytest.mark.parametrize("mode", ["deletes", "refuses", "pretends"])
def test_another_users_account_is_deleted_only_when_it_is_a_throwaway_of_the_probes_own(
        tmp_path: Path, mode: str) -> None:
    """``refuses``: 403 for another's account; ``pretends``: answers success and keeps the account (no proof)."""
    users: dict[int, dict[str, Any]] = {
        2: {"id": 2, "username": "alice", "email": "alice@example.com", "password": "alicepass"},
        3: {"id": 3, "username": "bob", "email": "bob@example.com", "password": "bobpass"}}
    tokens: dict[str, int] = {}
    deleted: list[int] = []

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path.rstrip("/")
        data = json.loads(body or b"{}") if method == "POST" else {}
        if (signed := email_account_answer(route, method, data, users, tokens)) is not None:
            return signed
        who = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if who is None or who not in users:
            return 401, {}, {"error": "login first"}
        if route.startswith("/api/users/"):
            key = route.rsplit("/", 1)[1]
            user = users.get(int(key)) if key.isdigit() else None
            if user is None:
                return 404, {}, {"error": "no such user"}
            if method == "DELETE":
                if mode == "refuses" and user["id"] != who:
                    return 403, {}, {"error": "not yours"}
                if mode == "pretends":
                    return 200, {}, {"success": True}
                deleted.append(user["id"])
                del users[user["id"]]
                return 200, {}, {"success": True}
            return 200, {}, {"id": user["id"], "username": user["username"]}
        return 404, {}, {"error": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, PATHS, ("bola",), login=EMAIL_LOGIN)
    assert (("PR-BOLA-002", "DELETE", "/api/users/{id}") in findings_at(result)) is (mode == "deletes")
    assert not {2, 3} & set(deleted)  # the run's own identities are never deleted
    assert bool(deleted) is (mode == "deletes")
