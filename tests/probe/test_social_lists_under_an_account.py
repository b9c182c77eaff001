"""A user's social lists (``/users/{id}/posts``, ``/users/{id}/following``) are what members of a social API show one
another; whether an account keeps them private is its own setting, which the probe cannot see, so another member
reading them is not reported — unless the people listed carry more than a public profile (a role, a login address).
The account record itself (``/users/{id}``, with its e-mail and role) read by another member still is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, bearer_caller, findings_at, loopback, probe_paths

TOKENS = {"tok-alice": ("alice", 1), "tok-bob": ("bob", 2)}
USER_ID = [{"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
BEARER = [{"bearerAuth": []}]


def _app(record_checked: bool) -> Any:
    names = {1: "alice", 2: "bob"}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who, route, early = bearer_caller(path, headers, TOKENS)
        if early is not None or who is None:
            return early or (401, {}, {"detail": "not authenticated"})
        parts = route.strip("/").split("/")
        if len(parts) >= 3 and parts[:2] == ["api", "users"] and parts[2].isdigit() and int(parts[2]) in names:
            uid, name = int(parts[2]), names[int(parts[2])]
            if len(parts) == 3:
                if record_checked and uid != who[1]:
                    return 403, {}, {"detail": "not yours"}
                return 200, {}, {"id": uid, "username": name, "email": f"{name}@example.org", "role": "user"}
            if parts[3] == "posts":
                return 200, {}, {"items": [{"id": 10 + uid, "content": f"hello from {name}",
                                            "author": {"id": uid, "username": name}}]}
            if parts[3] == "following":
                return 200, {}, {"user": name, "following": [{"id": 3, "username": "carol", "avatar_url": "/a/3.png",
                                                              "is_private": False, "is_verified": True}]}
            if parts[3] == "followers":  # the people listed with their role and login address: more than a profile
                return 200, {}, {"user": name, "followers": [{"id": 3, "username": "carol", "role": "user",
                                                              "last_login_ip": "10.0.0.7"}]}
        return 404, {}, {"detail": "not found"}
    return app


SPEC = {
    "/api/me": {"get": {"security": BEARER, "responses": OK}},
    "/api/users/{user_id}": {"get": {"parameters": USER_ID, "security": BEARER, "responses": OK}},
    "/api/users/{user_id}/posts": {"get": {"parameters": USER_ID, "security": BEARER, "responses": OK}},
    "/api/users/{user_id}/following": {"get": {"parameters": USER_ID, "security": BEARER, "responses": OK}},
    "/api/users/{user_id}/followers": {"get": {"parameters": USER_ID, "security": BEARER, "responses": OK}},
}


@pytest.mark.parametrize("record_checked", [False, True])
def test_social_lists_under_an_account_are_not_the_account_record(tmp_path: Path, record_checked: bool) -> None:
    with loopback(_app(record_checked)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("bola",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    found = {f for f in findings_at(result) if f[0] == "PR-BOLA-001"}
    assert (("PR-BOLA-001", "GET", "/api/users/{user_id}") in found) is (not record_checked)
    assert not found & {("PR-BOLA-001", "GET", "/api/users/{user_id}/posts"),
                        ("PR-BOLA-001", "GET", "/api/users/{user_id}/following")}
    assert ("PR-BOLA-001", "GET", "/api/users/{user_id}/followers") in found  # private details of the people listed
