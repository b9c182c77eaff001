"""Two answers that look like leaks and are not: an operation that answers back the credentials the request itself
carried (an echo, not a stored secret) and a profile read by user name that anyone, signed in or not, is shown (a
public record, not another user's object). The same answers carrying a secret the request did not send, a profile
anonymous callers are refused, or a record shown to anyone with more than a profile (a role, a balance), are
reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
TOKENS = {"tok-alice": "alice", "tok-bob": "bob"}
AUTH = ("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob")
BODY = {"content": {"application/json": {"schema": {"type": "object", "properties": {
    "username": {"type": "string"}, "password": {"type": "string"}}}}}}


@pytest.mark.parametrize(("answer", "reported"), [("echo", False), ("stored", True)])
def test_credentials_answered_back(tmp_path: Path, answer: str, reported: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path == "/api/connect" and method == "POST":
            sent = json.loads(body or b"{}")
            creds = sent if answer == "echo" else {"username": "db", "password": "s3rver-Secret-77"}
            return 200, {}, {"connected": True, "credentials": creds}
        return 404, {}, {"detail": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, {"/api/connect": {"post": {"requestBody": BODY, "responses": OK}}},
                             ("crawl", "passive", "injection"))
    assert (("PR-AUTH-002", "POST", "/api/connect") in findings_at(result)) is reported


@pytest.mark.parametrize(("public", "extra", "reported"), [
    (True, {}, False),  # a public profile
    (False, {}, True),  # anonymous callers refused: the signed-in reader reads another user's record
    (True, {"role": "user", "balance": 120}, True),  # shown to anyone, but more than a profile
])
def test_a_profile_read_by_user_name(tmp_path: Path, public: bool, extra: dict[str, Any], reported: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        route = urlsplit(path).path
        if route == "/api/me":
            return (200, {}, {"username": who}) if who else (401, {}, {"detail": "sign in"})
        if route.startswith("/api/profile/"):
            name = route.rsplit("/", 1)[1]
            if name not in TOKENS.values():
                return 404, {}, {"detail": "no such user"}
            if who is None and not public:
                return 401, {}, {"detail": "sign in"}
            return 200, {}, {"success": True, "data": {"username": name, "email": f"{name}@example.org", "bio": "hello",
                                                       **extra}}
        return 404, {}, {"detail": "not found"}

    paths = {"/api/me": {"get": {"security": BEARER, "responses": OK}},
             "/api/profile/{username}": {"get": {"parameters": [
                 {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}],
                 "responses": OK}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, paths, ("bola",), auth=AUTH)
    assert (("PR-BOLA-001", "GET", "/api/profile/{username}") in findings_at(result)) is reported
