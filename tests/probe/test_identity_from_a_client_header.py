"""A page that refuses anonymous callers but lets a header the client sets choose the user (``X-User-Id: 1``,
``Remote-User: alice``) must make the probe fire, whether the description declares the header or not and whether
the page refuses with 401 or sends the caller to the login page. A page that ignores such headers, and one served
to any value of the header (the value picks nobody: not this finding), must leave it quiet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

USERS = {"1": "alice", "2": "bob"}
TOKENS = {"Bearer tok-alice": "1", "Bearer tok-bob": "2"}


def _app(kind: str) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = path.split("?")[0]
        uid = TOKENS.get(headers.get("Authorization", ""))
        if route == "/api/me" and uid:
            return 200, {}, {"id": int(uid), "username": USERS[uid]}
        if route != "/dashboard":
            return 404, {}, {"detail": "not found"}
        if uid is None and kind in ("trusts-id", "login-page"):
            uid = headers.get("X-User-Id") if headers.get("X-User-Id") in USERS else None
        if uid is None and kind == "trusts-name":
            uid = next((k for k, v in USERS.items() if v == headers.get("Remote-User")), None)
        if uid is None and kind == "presence" and headers.get("X-User-Id"):
            uid = "1"
        if uid is None:
            if kind == "login-page":
                return 302, {"Location": "/login"}, ""
            return 401, {}, {"detail": "not authenticated"}
        return 200, {}, {"user": USERS[uid], "balance": 2500 if uid == "1" else 1200, "documents": [uid]}
    return app


def _spec(declared: str | None) -> dict[str, Any]:
    params = [{"name": declared, "in": "header", "schema": {"type": "string"}}] if declared else []
    return {"/dashboard": {"get": {"parameters": params, "responses": OK}}, "/api/me": {"get": {"responses": OK}}}


@pytest.mark.parametrize(("kind", "declared", "fires"), [
    ("trusts-id", "X-User-Id", True),
    ("trusts-id", None, True),
    ("login-page", None, True),
    ("trusts-name", "Remote-User", True),
    ("ignores", "X-User-Id", False),
    ("ignores", None, False),
    ("presence", "X-User-Id", False),
])
def test_a_client_header_choosing_the_user(tmp_path: Path, kind: str, declared: str | None, fires: bool) -> None:
    with loopback(_app(kind)) as url:
        result = probe_paths(tmp_path, url, _spec(declared), ("identity_headers",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    assert (("PR-AUTH-008", "GET", "/dashboard") in findings_at(result)) is fires
    if not fires:
        assert not [f for f in result.findings if f.rule_id == "PR-AUTH-008"]
