"""The auth canary proves a token on an operation an identity should pass; a login that takes the credentials in
its query string (``GET /login?username=&password=``) refuses whoever sends none, token or not, so it is never the
canary: where the only other protected operation is an administrator's (refused to an ordinary user, as it should
be, with 403 or, as many apps answer, 401), the run goes on instead of stopping with "fix the credentials"."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import Answer, loopback, probe_paths

TOKEN = "tok-alice-1"
SPEC: dict[str, Any] = {
    "/login": {"get": {"parameters": [
        {"name": "username", "in": "query", "required": True, "schema": {"type": "string"}},
        {"name": "password", "in": "query", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "token or error"}}}},
    "/products": {"get": {"security": [], "responses": {"200": {"description": "products"}}}},
    "/admin/orders": {"get": {"security": [{"token": []}], "responses": {"200": {"description": "orders"}}}},
}


def _app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
    url = urlsplit(path)
    if url.path == "/login":
        query = parse_qs(url.query)
        if query.get("username") == ["alice"] and query.get("password") == ["alice-pass-1"]:
            return 200, {}, {"token": TOKEN}
        return 401, {}, {"error": "Invalid credentials"}
    if url.path == "/products":
        return 200, {}, [{"id": 1, "name": "tea"}]
    if url.path == "/admin/orders":  # an ordinary user's token is refused here, as it should be
        return (403, {}, {"error": "admins only"}) if headers.get("Authorization") == TOKEN else (
            401, {}, {"error": "login"})
    return 404, {}, {"error": "not found"}


@pytest.mark.parametrize("refusal", [403, 401])
def test_a_login_taking_its_credentials_in_the_query_is_never_the_canary(tmp_path: Path, refusal: int) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        status, extra, answer = _app(method, path, headers, body)
        return (refusal, extra, answer) if status == 403 else (status, extra, answer)

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl",), auth=(f"alice=Authorization:{TOKEN}",))
    assert result.findings is not None  # it ran: an "auth canary failed" abort raises before any result
    assert not any("auth canary failed" in note for note in result.notes)
