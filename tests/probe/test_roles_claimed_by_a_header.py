"""An administrative read that refuses the ordinary identity but serves it when it sends ``X-Admin: true`` (and
still refuses it with ``X-Admin: false``) takes the caller's role from the client: a function-level authorization
finding (PR-BFLA-001). An administrative read that checks the server-side role stays quiet."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
SPEC = {
    "/api/me": {"get": {"security": BEARER, "responses": OK}},
    "/api/admin/users": {"get": {"security": BEARER, "responses": OK, "parameters": [
        {"name": "X-Admin", "in": "header", "required": False, "schema": {"type": "string"}}]}},
}
AUTH = ("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob")
USERS = [{"id": 1, "email": "alice@example.org", "is_admin": False}, {"id": 2, "email": "bob@example.org",
                                                                       "is_admin": False}]


def _signed_in(path: str, headers: dict[str, str]) -> tuple[str, Answer | None]:
    """The request's route, and the answer given before the app's own routes: 401 without a known bearer token, the
    caller's name at ``/api/me``."""
    caller = {"tok-alice": "alice", "tok-bob": "bob"}.get(headers.get("Authorization", "").removeprefix("Bearer "))
    route = urlsplit(path).path
    if caller is None:
        return route, (401, {}, {"detail": "sign in"})
    return route, (200, {}, {"username": caller}) if route == "/api/me" else None


def _app(trusts_header: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route, early = _signed_in(path, headers)
        if early is not None:
            return early
        if route == "/api/admin/users":
            if trusts_header and headers.get("X-Admin", "").lower() == "true":
                return 200, {}, USERS
            return 403, {}, {"detail": "administrators only"}
        return 404, {}, {"detail": "not found"}
    return app


@pytest.mark.parametrize("trusts_header", [True, False])
def test_a_role_claimed_by_a_header(tmp_path: Path, trusts_header: bool) -> None:
    with loopback(_app(trusts_header)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("identity_headers",), auth=AUTH)
    assert (("PR-BFLA-001", "GET", "/api/admin/users") in findings_at(result)) is trusts_header


GATEWAY_SPEC = {
    "/api/me": {"get": {"security": BEARER, "responses": OK}},
    "/api/admin/orders": {"get": {"security": BEARER, "responses": OK, "parameters": [
        {"name": "X-Gateway-Context-Role", "in": "header", "required": False, "schema": {"type": "string"}}]}},
}


def _gateway(refuses: str) -> Any:
    """Trusts any value of its own role header but the one it refuses; the identity's ``/me`` shows its role.
    Otherwise the app above, refusing its administrative read to everyone."""
    plain = _app(trusts_header=False)

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        status, extra, answer = plain(method, path, headers, body)
        claimed = headers.get("X-Gateway-Context-Role", "")
        if status == 401 or urlsplit(path).path != "/api/admin/orders":
            return status, extra, {**answer, "role": "customer"} if urlsplit(path).path == "/api/me" else answer
        if claimed and claimed != refuses:
            return 200, {}, [{"id": 7, "total": "12.40", "customer": "carol@example.org"}]
        return 403, {}, {"detail": "staff only"}
    return app


@pytest.mark.parametrize(("refuses", "expected"), [("customer", True), ("", False)],
                         ids=["refuses-only-the-callers-own-role", "checks-the-server-side-role"])
def test_a_role_claimed_by_a_header_the_description_names(tmp_path: Path, refuses: str, expected: bool) -> None:
    """A declared header named for a role, claimed as ``admin`` with the identity's own role (``customer``, as its
    ``/me`` shows) as the control: served against refused is a finding; refused either way is not."""
    with loopback(_gateway(refuses or "\0")) as url:
        result = probe_paths(tmp_path, url, GATEWAY_SPEC, ("identity_headers",), auth=AUTH)
    assert (("PR-BFLA-001", "GET", "/api/admin/orders") in findings_at(result)) is expected


MANY_SPEC = {
    "/api/me": {"get": {"security": BEARER, "responses": OK}},
    **{f"/api/admin/{name}": {"get": {"security": BEARER, "responses": OK}}
       for name in ("users", "orders", "reports/revenue", "audit-log")},
}


def _one_door(opens: set[str]) -> Any:
    """``X-Role: admin`` opens the administrative reads in ``opens``; the others check the server-side role."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route, early = _signed_in(path, headers)
        if early is not None:
            return early
        if route.startswith("/api/admin/"):
            if route in opens and headers.get("X-Role", "") == "admin":
                return 200, {}, [{"id": 7, "total": "12.40", "customer": "carol@example.org"}]
            return 403, {}, {"detail": "administrators only"}
        return 404, {}, {"detail": "not found"}
    return app


def test_a_role_header_that_opens_one_read_is_asked_on_every_other(tmp_path: Path) -> None:
    """Once ``X-Role: admin`` opened one administrative read, every other read it opens is reported (must fire),
    and the read that checks the server-side role whatever the header says is not (must stay quiet)."""
    opens = {"/api/admin/users", "/api/admin/orders", "/api/admin/reports/revenue"}
    with loopback(_one_door(opens)) as url:
        result = probe_paths(tmp_path, url, MANY_SPEC, ("identity_headers",), auth=AUTH)
    found = {path for rule, method, path in findings_at(result) if rule == "PR-BFLA-001"}
    assert found == opens
