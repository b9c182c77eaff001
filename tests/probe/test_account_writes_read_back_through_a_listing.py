"""Account updates an API answers with no single-account read: the result is read back through a listing of
accounts that shows the account. The second identity's write at the first one's key (its body undeclared, so a
field of the probe's own is sent) is reported when the first one's record in the listing shows the marker; the
run's own identity updating itself with its role is reported when the listing shows the role taken, and its old
role is written back at once. An update that keeps only the fields it knows, and one that refuses other
accounts, stay quiet."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

UID = {"name": "user_id", "in": "path", "required": True, "schema": {"type": "string"}}
CREDS = {"type": "object", "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}
PATHS: dict[str, Any] = {
    "/api/login": {"post": {"requestBody": {"content": {"application/json": {"schema": CREDS}}}, "responses": OK}},
    "/api/me": {"get": {"security": [{"bearer": []}], "responses": OK}},
    "/api/users": {"get": {"security": [{"bearer": []}], "responses": OK}},
    "/api/users/{user_id}": {"put": {"parameters": [UID], "security": [{"bearer": []}], "responses": OK}},
}


def _app(users: dict[str, dict[str, Any]], update: str) -> Any:
    """``update``: "merge" stores every field sent, "known" only the e-mail, "owner" merges the caller's own
    record only."""
    tokens: dict[str, str] = {}
    passwords = {"u1": "u1-pass-1", "u2": "u2-pass-2"}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path.rstrip("/")
        data = json.loads(body or b"{}") if method in ("POST", "PUT") else {}
        if route == "/api/login" and method == "POST":
            uid = next((k for k, u in users.items() if u["email"] == data.get("email")), None)
            if uid is None or passwords[uid] != data.get("password"):
                return 401, {}, {"detail": "bad credentials"}
            token = secrets.token_hex(8)
            tokens[token] = uid
            return 200, {}, {"access_token": token, "user_id": uid}
        who = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if who is None:
            return 401, {}, {"detail": "login first"}
        if route == "/api/me":
            return 200, {}, {"id": who, "email": users[who]["email"]}
        if route == "/api/users" and method == "GET":
            return 200, {}, {"users": list(users.values())}
        target = users.get(route.rsplit("/", 1)[1]) if route.startswith("/api/users/") else None
        if target is None or method != "PUT":
            return 404, {}, {"detail": "not found"}
        if update == "owner" and target["id"] != who:
            return 403, {}, {"detail": "not yours"}
        target.update(data if update != "known" else {k: v for k, v in data.items() if k == "email"})
        return 200, {}, {"updated": target}

    return app


@pytest.mark.parametrize(("update", "across", "escalated"), [
    ("merge", True, True), ("known", False, False), ("owner", False, True),
])
def test_account_writes_read_back_through_a_listing(tmp_path: Path, update: str, across: bool,
                                                    escalated: bool) -> None:
    users = {"u1": {"id": "u1", "email": "u1@example.org", "role": "user"},
             "u2": {"id": "u2", "email": "u2@example.org", "role": "user"}}
    recipe = LoginRecipe("POST", "/api/login", token_path="access_token", bodies=(
        {"email": "u1@example.org", "password": "u1-pass-1"}, {"email": "u2@example.org", "password": "u2-pass-2"}))
    with loopback(_app(users, update)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("bola", "mass_assignment"), login=recipe)
    found = findings_at(result)
    assert (("PR-BOLA-002", "PUT", "/api/users/{user_id}") in found) is across
    assert (("PR-MASS-001", "PUT", "/api/users/{user_id}") in found) is escalated
    assert users["u1"]["role"] == users["u2"]["role"] == "user"  # the old role written back
