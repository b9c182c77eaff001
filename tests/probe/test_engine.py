"""Engine rules without a server: safety decisions, budget shares, crash isolation, score."""

from __future__ import annotations

import asyncio

import httpx

from apishield.findings import Confidence, Finding, Severity
from apishield.probe import rules
from apishield.probe.client import ProbeClient
from apishield.probe.engine import CHECKS, CheckSpec, Context, ProbeOptions, run_checks
from apishield.probe.score import score
from apishield.probe.targets import Operation


def _ctx(allow: bool = False) -> Context:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json={"id": 5, "title": "x"}))
    client = ProbeClient("http://127.0.0.1:9", rate=0, budget=40, transport=transport)
    return Context(client, [Operation("POST", "/api/items"), Operation("GET", "/api/items/{item_id}")], [],
                   ProbeOptions(allow_destructive=allow), lambda e, d: None)


def test_destructive_and_foreign_writes_are_refused() -> None:
    ctx = _ctx()
    assert not ctx.allowed("DELETE", "/api/items/1")
    assert not ctx.allowed("PUT", "/api/items/1")
    assert not ctx.allowed("POST", "/api/admin/reset")
    assert not ctx.allowed("GET", "/api/db/drop")
    assert not ctx.allowed("POST", "/internal/shutdown")
    assert ctx.allowed("GET", "/api/items/1") and ctx.allowed("POST", "/api/items")
    assert _ctx(allow=True).allowed("DELETE", "/api/items/1")


def test_objects_the_probe_created_may_be_updated() -> None:
    ctx = _ctx()
    from apishield.probe.engine import Identity

    async def go() -> None:
        _ex, object_id = await ctx.create(ctx.operations[0], Identity("a"), {"title": "apishieldmarker"})
        assert object_id == 5
        assert ctx.allowed("PUT", "/api/items/5") and not ctx.allowed("PUT", "/api/items/6")
        await ctx.client.aclose()

    asyncio.run(go())


def test_a_crashing_check_is_isolated_and_shares_are_capped() -> None:
    ctx = _ctx()

    async def crash(c: Context) -> None:
        await c.client.request("GET", "/x")
        raise KeyError("hostile data")

    async def greedy(c: Context) -> None:
        while True:
            await c.client.request("GET", "/y")

    CHECKS.register(CheckSpec("_crash", crash, (), 1, ""))
    CHECKS.register(CheckSpec("_greedy", greedy, (), 1, ""))
    try:
        asyncio.run(run_checks(ctx, ["_crash", "_greedy"]))
    finally:
        CHECKS.unregister("_crash"), CHECKS.unregister("_greedy")
    assert any("_crash" in n and "KeyError" in n for n in ctx.notes)
    assert any(n.startswith("_greedy: stopped early") for n in ctx.notes)
    assert ctx.client.shares["_crash"] == 1 and ctx.client.shares["_greedy"] == 39
    assert ctx.client.requests_used == 40


def _finding(rule: object, severity: Severity, confidence: Confidence = Confidence.HIGH, path: str = "/a") -> Finding:
    return Finding.from_rule(rule, "m", severity=severity, confidence=confidence, method="GET",  # type: ignore[arg-type]
                             http_path=path)


def test_score_is_explained_and_monotonic() -> None:
    assert score([])[0] == 100
    one, lines = score([_finding(rules.SQLI_ERROR, Severity.HIGH)])
    two, _ = score([_finding(rules.SQLI_ERROR, Severity.HIGH), _finding(rules.SQLI_ERROR, Severity.HIGH, path="/b")])
    worse, _ = score([_finding(rules.JWT_NONE, Severity.CRITICAL)])
    unsure, _ = score([_finding(rules.SQLI_ERROR, Severity.HIGH, Confidence.LOW)])
    assert 100 > one > two > worse and unsure > one
    assert any("PR-SQLI-001" in line for line in lines)
    rules_hit = [rules.JWT_NONE, rules.JWT_WEAK, rules.SSTI, rules.BOLA_WRITE]
    assert score([_finding(r, Severity.CRITICAL) for r in rules_hit])[0] == 0  # floored, never negative


def test_expired_token_triggers_one_relogin() -> None:
    from apishield.probe.engine import Identity

    def handler(request: httpx.Request) -> httpx.Response:
        ok = request.headers.get("authorization") == "Bearer fresh"
        return httpx.Response(200 if ok else 401, json={})

    client = ProbeClient("http://127.0.0.1:9", rate=0, transport=httpx.MockTransport(handler))
    ctx = Context(client, [], [], ProbeOptions(), lambda e, d: None)
    logins: list[int] = []
    alice = Identity("alice", headers={"Authorization": "Bearer stale"}, verified=True)

    async def relogin() -> bool:
        logins.append(1)
        alice.headers = {"Authorization": "Bearer fresh"}
        return True

    alice.relogin = relogin

    async def go() -> None:
        first = await ctx.send("GET", "/me", identity=alice)
        second = await ctx.send("GET", "/me", identity=alice)
        assert first.status == 200 and second.status == 200
        await client.aclose()

    asyncio.run(go())
    assert logins == [1] and client.requests_used == 3  # one refused, one retried, one fine
