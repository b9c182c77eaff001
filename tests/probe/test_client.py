"""The scoped client: scope, budget, per-check caps, pacing, redaction, evidence and curl."""

from __future__ import annotations

import asyncio
import json
import shlex

import httpx
import pytest

from apishield.probe.client import BudgetExhausted, Exchange, OutOfScope, ProbeClient, current_check


def _client(**kw: object) -> tuple[ProbeClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"echo": request.url.path}, headers={"Server": "test"})

    kw.setdefault("rate", 0)
    return ProbeClient("http://127.0.0.1:8000/base", transport=httpx.MockTransport(handler), **kw), seen  # type: ignore[arg-type]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8001/x", "https://127.0.0.1:8000/x", "http://evil.example/x",
                                 "http://127.0.0.1.evil.example:8000/", "ftp://127.0.0.1:8000/"])
def test_out_of_scope_urls_are_never_sent(url: str) -> None:
    client, seen = _client()

    async def go() -> None:
        with pytest.raises(OutOfScope):
            await client.request("GET", url)
        await client.aclose()

    asyncio.run(go())
    assert seen == [] and client.requests_used == 0


def test_budget_and_check_caps() -> None:
    client, seen = _client(budget=5)

    async def go() -> None:
        token = current_check.set("a")
        client.check_caps["a"] = 2
        await client.request("GET", "/one")
        await client.request("GET", "two")
        with pytest.raises(BudgetExhausted):
            await client.request("GET", "/three")
        current_check.reset(token)
        for _ in range(3):
            await client.request("GET", "/four")
        with pytest.raises(BudgetExhausted):
            await client.request("GET", "/five")
        await client.aclose()

    asyncio.run(go())
    assert len(seen) == 5 == client.requests_used
    assert client.shares == {"a": 2, "setup": 3}
    assert str(seen[0].url) == "http://127.0.0.1:8000/base/one"


def test_pacing_spaces_requests() -> None:
    now = [0.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    client, _ = _client(rate=10.0, clock=lambda: now[0], sleep=fake_sleep)

    async def go() -> None:
        for _ in range(5):
            await client.request("GET", "/x")
        await client.aclose()

    asyncio.run(go())
    assert sum(slept) == pytest.approx(0.4)


def test_evidence_redacts_tokens_and_curl_reproduces() -> None:
    client, _ = _client()
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    client.add_secret(token, "TOKEN_ALICE")

    async def go() -> None:
        ex = await client.request("POST", "/items", headers={"Authorization": f"Bearer {token}"},
                                  json_body={"name": "x'y"}, params={"q": "a b"})
        ev = client.evidence(ex)
        assert token not in ev.request + ev.response + ev.curl
        assert "$TOKEN_ALICE" in ev.request and "HTTP/1.1 200" in ev.response
        argv = shlex.split(ev.curl)
        assert argv[:5] == ["curl", "-sS", "-i", "-X", "POST"]
        assert "http://127.0.0.1:8000/base/items?q=a+b" in argv
        assert json.loads(argv[argv.index("--data-binary") + 1]) == {"name": "x'y"}
        assert ex.json() == {"echo": "/base/items"}
        await client.aclose()

    asyncio.run(go())


def test_rejects_bad_settings() -> None:
    for kw in ({"budget": 0}, {"timeout": 0}, {"concurrency": 0}, {"rate": -1}):
        with pytest.raises(ValueError):
            ProbeClient("http://127.0.0.1:1", **kw)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ProbeClient("file:///etc/passwd")


def test_each_set_cookie_header_of_an_answer_is_kept_apart() -> None:
    """A login that sets several cookies (``loggedIn=true`` before the session's ``connect.sid``) sends one
    ``Set-Cookie`` line each; joined into one comma-separated value, every cookie after the first would be lost."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers=[("Location", "/home"), ("Set-Cookie", "loggedIn=true; Path=/"),
                                            ("Set-Cookie", "connect.sid=s%3Aabc.def; Path=/; HttpOnly")])

    client = ProbeClient("http://127.0.0.1:8000", transport=httpx.MockTransport(handler), rate=0)

    async def go() -> list[str]:
        ex = await client.request("POST", "/login")
        await client.aclose()
        return [v for k, v in ex.response_headers if k.lower() == "set-cookie"]

    assert asyncio.run(go()) == ["loggedIn=true; Path=/", "connect.sid=s%3Aabc.def; Path=/; HttpOnly"]


def test_concurrent_requests_record_when_they_left_and_when_they_were_answered() -> None:
    """A slow request sent first is answered after a fast one sent next: ``dispatched`` and ``answered`` follow
    what happened, on one clock, whatever the order of ``seq``."""

    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.2 if request.url.path == "/slow" else 0)
        return httpx.Response(200)

    async def go() -> list[Exchange]:
        client = ProbeClient("http://127.0.0.1:9", rate=0, concurrency=2, transport=httpx.MockTransport(handler))
        slow = asyncio.create_task(client.request("GET", "/slow"))
        await asyncio.sleep(0.05)
        await client.request("GET", "/fast")
        await slow
        await client.aclose()
        return list(client.log)

    fast, slow = asyncio.run(go())
    assert (slow.url.endswith("/slow"), fast.url.endswith("/fast")) == (True, True)
    assert slow.dispatched < fast.dispatched < fast.answered < slow.answered
    assert all(ex.dispatched < ex.answered for ex in (fast, slow))


@pytest.mark.parametrize(("body", "value", "shown"), [
    ('{"description": "Pro plan \\u2014 March"}', "Pro plan — March", True),  # an escaped dash, as Flask writes it
    ('{"url": "https:\\/\\/example.org\\/a"}', "https://example.org/a", True),  # escaped slashes
    ('{"title": "Alice\'s \\"list\\""}', 'Alice\'s "list"', True),  # quotes escaped inside the string
    ('{"description": "Pro plan"}', "Pro plan — March", False),
    ('not json \\u2014', "—", False),  # an escape outside JSON is only text
])
def test_an_answer_shows_a_value_as_its_reader_sees_it(body: str, value: str, shown: bool) -> None:
    json_type = (("Content-Type", "application/json"),)
    ex = Exchange(1, "bola", "bob", "GET", "http://127.0.0.1:9/api/invoices/1", (), b"", 200, json_type,
                  body.encode())
    assert ex.shows(value) is shown
