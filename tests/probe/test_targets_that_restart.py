"""A target that crashes and is restarted refuses connections for a moment: the probe waits for it (a few growing
pauses, within the run's ``max_wait`` in all) and sends the request again, which repeats nothing since none
reached the server. A request the server dropped after receiving it is not sent again, a target that never
answered is not waited for, and the wait is not counted in the answer's time (timing checks read it)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from apishield.probe.client import ProbeClient


def _client(handler: Callable[[httpx.Request], httpx.Response], max_wait: float = 30.0) -> ProbeClient:
    return ProbeClient("http://127.0.0.1:8000", transport=httpx.MockTransport(handler), rate=0, max_wait=max_wait)


def _down_for(refusals: int, failure: type[Exception] = httpx.ConnectError) -> Callable[[httpx.Request],
                                                                                         httpx.Response]:
    """Answers the first request, refuses the next ``refusals`` attempts, then answers again."""
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if 2 <= calls["n"] <= refusals + 1:
            raise failure("down", request=request)
        return httpx.Response(200, json={"ok": True})

    return handler


def test_a_restarting_target_is_waited_for_and_asked_again() -> None:
    async def run() -> tuple[int | None, float, ProbeClient]:
        client = _client(_down_for(2))
        await client.request("GET", "/items")
        again = await client.request("GET", "/items")
        await client.aclose()
        return again.status, again.elapsed, client

    status, elapsed, client = asyncio.run(run())
    assert status == 200
    assert client.outage["refused"] == 1 and client.outage_waited == 0.75  # two pauses: 0.25 s, then 0.5 s
    assert elapsed < 0.25, "the pauses are not part of the answer's time"
    assert client.requests_used == 2, "a request the target never received costs the budget once"


def test_a_dropped_request_is_not_sent_again() -> None:
    async def run() -> tuple[int | None, ProbeClient]:
        client = _client(_down_for(1, httpx.RemoteProtocolError))
        await client.request("GET", "/items")
        dropped = await client.request("POST", "/items")
        await client.aclose()
        return dropped.status, client

    status, client = asyncio.run(run())
    assert status is None and client.outage["refused"] == 0


def test_a_target_that_never_answered_is_not_waited_for() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async def run() -> ProbeClient:
        client = _client(refuse)
        await client.request("GET", "/")
        await client.aclose()
        return client

    client = asyncio.run(run())
    assert client.outage["refused"] == 0 and client.outage_waited == 0


def test_waiting_stops_at_the_runs_limit() -> None:
    async def run() -> tuple[int | None, ProbeClient]:
        client = _client(_down_for(100), max_wait=1.0)
        await client.request("GET", "/items")
        lost = await client.request("GET", "/items")
        await client.aclose()
        return lost.status, client

    status, client = asyncio.run(run())
    assert status is None and client.outage_waited <= 1.0
