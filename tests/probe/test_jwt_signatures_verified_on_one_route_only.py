"""A token whose signature one route verifies may still be read unverified by another (``jwt.decode(token,
options={"verify_signature": False})`` in one handler): the identity's own token under an altered signature, answered
at that route exactly as the genuine one, is a finding there (PR-JWT). An API whose every route verifies stays quiet.
Tokens are made and checked with PyJWT."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt as pyjwt
import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

KEY = "k" * 40 + "-a-strong-key-not-in-any-list"
BEARER = [{"bearerAuth": []}]
SPEC = {
    "/api/me": {"get": {"security": BEARER, "responses": OK}},
    "/api/orders": {"get": {"security": BEARER, "responses": OK}},
}
TOKENS = {name: pyjwt.encode({"sub": name, "exp": 2_000_000_000, "iat": 1_700_000_000}, KEY, algorithm="HS256")
          for name in ("alice", "bob")}
AUTH = tuple(f"{name}=Authorization:Bearer {token}" for name, token in TOKENS.items())


def _app(orders_verify: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        route = urlsplit(path).path
        if route not in ("/api/me", "/api/orders"):
            return 404, {}, {"detail": "not found"}
        try:
            claims = pyjwt.decode(token, KEY, algorithms=["HS256"], options={
                "verify_signature": route == "/api/me" or orders_verify})
        except pyjwt.PyJWTError:
            return 401, {}, {"detail": "invalid token"}
        if route == "/api/me":
            return 200, {}, {"username": claims["sub"]}
        return 200, {}, {"orders": [{"id": 1, "owner": claims["sub"], "total": "18.20"}]}
    return app


@pytest.mark.parametrize(("orders_verify", "expected"), [(False, True), (True, False)])
def test_signatures_verified_on_one_route_only(tmp_path: Path, orders_verify: bool, expected: bool) -> None:
    with loopback(_app(orders_verify)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("jwt",), auth=AUTH)
    assert (("PR-JWT-002", "GET", "/api/orders") in findings_at(result)) is expected, findings_at(result)
    assert ("PR-JWT-002", "GET", "/api/me") not in findings_at(result)
    if expected:  # found by asking the other route, the reference (/api/me) having refused the altered token
        assert any("without verifying" in f.message for f in result.findings if f.rule_id == "PR-JWT-002")
