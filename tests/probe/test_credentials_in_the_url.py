"""An API that takes the bearer token from the query string too (``?token=...`` when no Authorization header is
sent) is reported (PR-AUTH-005): the anonymous request is refused and the one carrying the identity's token in the
URL gets exactly the identity's answer. An API that reads credentials from the header only stays quiet."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import Answer, findings_at, loopback, probe_paths


def _token(path: str, headers: dict[str, str], from_query: bool) -> str:
    """The bearer token of the header, or (for an API that reads it there too) of the ``token`` query parameter."""
    token = headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token and from_query:
        token = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}.get("token", "")
    return token


SPEC = {"/api/balance": {"get": {"security": [{"bearerAuth": []}], "responses": {"200": {"description": "ok"}}}}}


@pytest.mark.parametrize("from_query", [True, False])
def test_a_token_accepted_in_the_query_string(tmp_path: Path, from_query: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if _token(path, headers, from_query) != "tok-alice":
            return 401, {}, {"detail": "not authenticated"}
        return 200, {}, {"owner": "alice", "balance": 120}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("authn",), auth=("alice=Authorization:Bearer tok-alice",))
    found = {f for f in findings_at(result) if f[0] == "PR-AUTH-005"}
    assert found == ({("PR-AUTH-005", "GET", "/api/balance")} if from_query else set())
    assert all("tok-alice" not in (f.evidence.request if f.evidence else "") for f in result.findings)


PAGE_SPEC = {"/home": {"get": {"parameters": [{"name": "token", "in": "query", "schema": {"type": "string"}}],
                               "responses": {"200": {"description": "page"}}}}}


@pytest.mark.parametrize("from_query", [True, False])
def test_a_page_that_takes_its_session_from_the_query(tmp_path: Path, from_query: bool) -> None:
    """A page the description gives a ``token`` query parameter and no security: its anonymous caller is sent to the
    login page, and the identity's own token in the URL opens the identity's page (``/home?token=``)."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if _token(path, headers, from_query) != "tok-alice":
            return 302, {"Location": "/login", "Content-Type": "text/html"}, ""
        return 200, {"Content-Type": "text/html"}, "<html><body><h1>Home of alice</h1></body></html>"

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, PAGE_SPEC, ("authn",), auth=("alice=Authorization:Bearer tok-alice",))
    found = {f for f in findings_at(result) if f[0] == "PR-AUTH-005"}
    assert found == ({("PR-AUTH-005", "GET", "/home")} if from_query else set())
