"""Follow-up gaps: Cache-Control judged only on authenticated 2xx answers; logout-like operations off-limits."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from apishield.probe import rules
from apishield.probe.checks.headers_errors import headers_errors
from apishield.probe.client import ProbeClient
from apishield.probe.engine import Context, Identity, ProbeOptions
from apishield.probe.targets import Operation

SAFE = {"X-Content-Type-Options": "nosniff", "Content-Type": "application/json"}


def _missing_after_probe(status: int) -> list[str]:
    """Run the headers check against a server answering ``status`` without Cache-Control; the 'missing' list."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"detail": "x"}, headers=SAFE)

    client = ProbeClient("http://127.0.0.1:9", rate=0, budget=40, transport=httpx.MockTransport(handler))
    op = Operation("GET", "/api/me", secured=True)
    ctx = Context(client, [op], [Identity("alice", headers={"Authorization": "Bearer t"}, verified=True)],
                  ProbeOptions(), lambda e, d: None)
    ctx.canary = op

    async def go() -> None:
        await headers_errors(ctx)
        await client.aclose()

    asyncio.run(go())
    missing: list[str] = []
    for finding in ctx.findings:
        if finding.rule_id == rules.HEADERS.id:
            missing += finding.extra.get("missing", [])
    return missing


def test_cache_control_is_required_on_an_authenticated_2xx() -> None:
    assert "cache-control (authenticated answer)" in _missing_after_probe(200)


@pytest.mark.parametrize("status", [401, 403, 429, 500])
def test_cache_control_is_not_judged_on_refusals_and_errors(status: int) -> None:
    assert "cache-control (authenticated answer)" not in _missing_after_probe(status)


@pytest.mark.parametrize("op", [
    Operation("POST", "/api/logout"), Operation("POST", "/auth/log-out"), Operation("GET", "/signout"),
    Operation("POST", "/oauth/revoke"), Operation("POST", "/api/x", operation_id="logoutUser"),
    Operation("POST", "/api/x", operation_id="sign_out"), Operation("POST", "/api/x", operation_id="revokeToken"),
    Operation("DELETE", "/api/session"), Operation("DELETE", "/api/sessions/{session_id}"),
    Operation("DELETE", "/users/me/sessions"),
])
def test_logout_like_operations_are_off_limits(op: Operation) -> None:
    assert op.looks_logout() and op.looks_destructive()
    client = ProbeClient("http://127.0.0.1:9", rate=0, budget=5,
                         transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    careful = Context(client, [op], [], ProbeOptions(), lambda e, d: None)
    bold = Context(client, [op], [], ProbeOptions(allow_destructive=True), lambda e, d: None)
    concrete = op.path.replace("{session_id}", "1")
    assert not careful.allowed(op.method, concrete, op)
    if not op.operation_id:  # a bare URL is judged by its path alone
        assert not careful.allowed(op.method, concrete)
    assert bold.allowed(op.method, concrete, op)


@pytest.mark.parametrize("op", [
    Operation("POST", "/api/sessions"), Operation("GET", "/api/sessions"), Operation("POST", "/api/login"),
    Operation("GET", "/api/tasks/{task_id}"), Operation("GET", "/api/profile", operation_id="getProfile"),
])
def test_login_and_ordinary_operations_stay_in_scope(op: Operation) -> None:
    assert not op.looks_logout() and not op.looks_destructive()
