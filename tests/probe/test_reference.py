"""JWT attacks without a parameterless protected GET: any authenticated operation (path parameters filled)
is the reference; and OpenAPI discovery at the usual paths."""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

import pytest

from apishield.probe import ProbeConfig, ProbeOptions, probe
from apishield.probe.checks.jwt import decode, encode
from tests.probe.loopback import Answer, loopback

SECRET = "secret"  # in the shipped wordlist
SPEC: dict[str, Any] = {
    "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
    "components": {"securitySchemes": {"b": {"type": "http", "scheme": "bearer"}}}, "security": [{"b": []}],
    "paths": {"/items/{item_id}": {"get": {"parameters": [
        {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "one"}}}}},
}


def _app(spec_path: str) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path == spec_path:
            return 200, {}, SPEC
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        parsed = decode(token)
        if parsed is None or parsed[0].get("alg") != "HS256" or not hmac.compare_digest(
                encode(parsed[0], parsed[1], SECRET.encode()), token):
            return 401, {}, {"detail": "bad token"}
        return 200, {}, {"id": 1, "owner": parsed[1].get("sub")}

    return app


@pytest.mark.parametrize("spec_path", ["/apispec.json", "/api/v1/openapi.json", "/swagger.json"])
def test_jwt_attacks_use_any_authenticated_operation_and_the_spec_is_discovered(spec_path: str) -> None:
    token = encode({"alg": "HS256", "typ": "JWT"}, {"sub": "alice"}, SECRET.encode())
    with loopback(_app(spec_path)) as url:
        result = asyncio.run(probe(ProbeConfig(url, auth=(f"alice=Authorization:Bearer {token}",),
                                               options=ProbeOptions(budget=120, rate=0, checks=("jwt",)))))
    assert result.stats["operations"] == 1 and result.stats["canary"] is None
    weak = [f for f in result.findings if f.rule_id == "PR-JWT-003"]
    assert weak and weak[0].http_path == "/items/{item_id}"
    assert result.coverage["checks"]["jwt"]["ran"] == 1
