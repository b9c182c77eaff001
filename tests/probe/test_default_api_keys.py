"""A read behind a static key (``X-API-KEY`` header, ``api_key`` query) that refuses a made-up key but answers a
well-known default (``admin123``) is a default credential left in place (PR-AUTH-007). Quiet when the key is one
nobody guesses, and when the made-up key is not refused (the key is not what guards the read)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

USERS = [{"id": 1, "username": "alice", "hashed_password": "$2b$12$abcdefghijklmnopqrstuv"}]


def _spec(location: str) -> dict[str, Any]:
    param = {"name": "X-API-KEY" if location == "header" else "api_key", "in": location, "required": False,
             "schema": {"type": "string"}}
    return {"/api/admin/users": {"get": {"parameters": [param], "responses": OK}},
            "/api/health": {"get": {"responses": OK}}}


def _app(location: str, key: str | None) -> Any:
    """``key``: the one value that opens the listing (None: no key is checked at all)."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        if url.path == "/api/health":
            return 200, {}, {"status": "ok"}
        if url.path != "/api/admin/users":
            return 404, {}, {"detail": "not found"}
        sent = headers.get("X-API-KEY") if location == "header" else (parse_qs(url.query).get("api_key") or [None])[0]
        if key is not None and sent != key:
            return 403, {}, {"detail": "Forbidden"}
        return 200, {}, USERS
    return app


@pytest.mark.parametrize("location", ["header", "query"])
@pytest.mark.parametrize(("key", "fires"), [("admin123", True), ("k3y-N0b0dy-Gu3ss3s-77aa", False), (None, False)])
def test_a_static_key_left_at_a_default(tmp_path: Path, location: str, key: str | None, fires: bool) -> None:
    with loopback(_app(location, key)) as url:
        result = probe_paths(tmp_path, url, _spec(location), ("default_keys",))
    assert (("PR-AUTH-007", "GET", "/api/admin/users") in findings_at(result)) is fires
