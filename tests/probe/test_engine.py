"""Engine rules without a server: safety decisions, budget shares, crash isolation, score."""

from __future__ import annotations

import asyncio

import httpx
import pytest

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


def test_work_a_check_defers_runs_last_on_the_budget_others_left_unspent() -> None:
    ctx = _ctx()  # budget 40, two checks of equal weight: 20 each
    done: list[str] = []

    async def eager(c: Context) -> None:
        for _ in range(20):
            await c.client.request("GET", "/first")

        async def later() -> None:  # more than its share allowed: put off, not dropped
            for _ in range(15):
                await c.client.request("GET", "/later")
            done.append("later")

        c.deferred.append(("_eager", later))

    async def frugal(c: Context) -> None:
        await c.client.request("GET", "/second")  # leaves 19 of its 20 unspent
        done.append("frugal")

    CHECKS.register(CheckSpec("_eager", eager, (), 1, ""))
    CHECKS.register(CheckSpec("_frugal", frugal, (), 1, ""))
    try:
        asyncio.run(run_checks(ctx, ["_eager", "_frugal"]))
    finally:
        CHECKS.unregister("_eager"), CHECKS.unregister("_frugal")
    assert done == ["frugal", "later"]  # after every check, not inside the deferring one's share
    assert ctx.client.shares["_eager"] == 35 and ctx.client.requests_used == 36
    assert not ctx.deferred


def test_a_check_its_share_stopped_resumes_on_the_budget_others_left_over_what_it_never_reached() -> None:
    ctx = _ctx()  # budget 40, two checks of equal weight: 20 each
    ops = [f"GET /items/{n}" for n in range(6)]
    sent: list[str] = []

    async def thorough(c: Context) -> None:  # 5 requests per operation: its share reaches 4 of 6 operations
        targets = [op for op in ops if op in {o.key for o in c.operations}] or ops
        c.plan(targets)
        for op in targets:
            for _ in range(5):
                await c.client.request("GET", op.split()[1], operation=op)
            sent.append(op)

    async def frugal(c: Context) -> None:
        await c.client.request("GET", "/other")

    ctx.operations = [Operation("GET", f"/items/{n}") for n in range(6)]
    CHECKS.register(CheckSpec("_thorough", thorough, (), 1, ""))
    CHECKS.register(CheckSpec("_frugal", frugal, (), 1, ""))
    try:
        asyncio.run(run_checks(ctx, ["_thorough", "_frugal"]))
    finally:
        CHECKS.unregister("_thorough"), CHECKS.unregister("_frugal")
    assert sent == ops  # the last two after the other check, and the first four never sent again
    assert ctx.client.requests_used == 31
    assert not ctx.coverage.unreached("_thorough", ctx.client.log)
    assert "_thorough: finished on the budget the other checks left" in ctx.notes


def test_deferred_work_never_spends_beyond_the_run_budget() -> None:
    ctx = _ctx()

    async def hungry(c: Context) -> None:
        async def later() -> None:
            while True:
                await c.client.request("GET", "/z")

        c.deferred.append(("_hungry", later))
        for _ in range(25):  # its share is all 40, it uses 25
            await c.client.request("GET", "/a")

    CHECKS.register(CheckSpec("_hungry", hungry, (), 1, ""))
    try:
        asyncio.run(run_checks(ctx, ["_hungry"]))
    finally:
        CHECKS.unregister("_hungry")
    assert ctx.client.requests_used == 40
    assert any(n.startswith("_hungry: stopped early in its deferred work") for n in ctx.notes)


def test_deferred_work_still_runs_with_nothing_left_so_it_can_say_what_went_untested() -> None:
    ctx = _ctx()

    async def spender(c: Context) -> None:
        async def later() -> None:
            if c.client.check_remaining() < 1:
                c.notes.append("_spender: no room for the deferred tests")

        c.deferred.append(("_spender", later))
        while True:  # spends the whole budget (its share is all of it)
            await c.client.request("GET", "/a")

    CHECKS.register(CheckSpec("_spender", spender, (), 1, ""))
    try:
        asyncio.run(run_checks(ctx, ["_spender"]))
    finally:
        CHECKS.unregister("_spender")
    assert ctx.client.requests_used == 40
    assert "_spender: no room for the deferred tests" in ctx.notes


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


def test_a_form_body_keeps_its_content_type_when_the_operation_wants_the_accounts_other_credentials() -> None:
    """The body's type travels with the body on every attempt (a dict body is encoded as the operation reads it); the
    alternate credentials replace the first ones."""
    seen: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers.get("authorization", ""), request.headers.get("content-type", "")))
        return httpx.Response(200 if request.headers.get("authorization") == "Bearer other" else 401, json={})

    client = ProbeClient("http://127.0.0.1:9", rate=0, budget=10, transport=httpx.MockTransport(answer))
    op = Operation("POST", "/api/items", media=("application/x-www-form-urlencoded",),
                   body_schema={"type": "object", "properties": {"title": {"type": "string"}}})
    ctx = Context(client, [op], [], ProbeOptions(), lambda e, d: None)
    from apishield.probe.engine import Identity
    who = Identity("a", headers={"Authorization": "Bearer first"}, alternates=[{"Authorization": "Bearer other"}])

    async def go() -> int | None:
        ex = await ctx.send("POST", "/api/items", op=op, identity=who, json_body={"title": "x"})
        await client.aclose()
        return ex.status

    assert asyncio.run(go()) == 200
    form = "application/x-www-form-urlencoded"
    assert seen == [("Bearer first", form), ("Bearer other", form)]
    assert who.per_operation[op.key] == {"Authorization": "Bearer other"}


@pytest.mark.parametrize("leftover", [True, False])
def test_an_operation_a_check_was_cut_short_in_is_done_again_or_reported_untested(leftover: bool) -> None:
    """A share that runs out in the middle of an operation leaves it begun, not tested: with budget left after the
    other checks it is done again from its start; without, the coverage says it was cut short."""
    ctx = _ctx()  # budget 40, two checks of equal weight: 20 each
    ops = [f"GET /items/{n}" for n in range(3)]
    finished: list[str] = []

    async def thorough(c: Context) -> None:  # 8 requests per operation: its share of 20 ends inside the third
        targets = [op for op in ops if op in {o.key for o in c.operations}] or ops
        c.plan(targets)
        for op in targets:
            for _ in range(8):
                await c.client.request("GET", op.split()[1], operation=op)
            finished.append(op)

    async def other(c: Context) -> None:
        for _ in range(1 if leftover else 20):
            await c.client.request("GET", "/other")

    ctx.operations = [Operation("GET", f"/items/{n}") for n in range(3)]
    CHECKS.register(CheckSpec("_thorough", thorough, (), 1, ""))
    CHECKS.register(CheckSpec("_other", other, (), 1, ""))
    try:
        asyncio.run(run_checks(ctx, ["_thorough", "_other"]))
    finally:
        CHECKS.unregister("_thorough"), CHECKS.unregister("_other")
    units = {u.operation: u for u in ctx.coverage.units(["_thorough"], ctx.client.log)}
    if leftover:
        assert finished == ops and units[ops[2]].state == "ran"
    else:
        assert finished == ops[:2] and units[ops[2]].state == "skipped" and "cut short" in units[ops[2]].reason
