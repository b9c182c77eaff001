"""A store failure inside the shield (an authenticator, a session lookup, a guard) is answered 503
problem+json with ``Retry-After``, logged once per interval, and never escapes as a 500 through an adapter."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apishield import events
from apishield.auth.principal import Principal
from apishield.errors import StoreError, StoreUnavailable
from apishield.integrations.asgi import ShieldASGIMiddleware
from apishield.integrations.wsgi import ShieldMiddleware
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.shield import PUBLIC, Shield
from apishield.stores.memory import MemoryStore
from apishield.web.sessions import SessionManager
from tests._clock import FakeClock


class FlakyStore:
    """A memory store whose every operation raises :class:`StoreError` while ``down`` (``now`` excepted)."""

    def __init__(self, clock: FakeClock) -> None:
        self.inner = MemoryStore(clock=clock)
        self.down = False

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr) or name == "now":
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise StoreError("connection refused")
            return attr(*args, **kwargs)

        return call


class StoreBackedTokens:
    """An authenticator whose lookup lives in the store (an opaque token table)."""

    def __init__(self, store: FlakyStore) -> None:
        self.store = store

    def authenticate(self, view: RequestView) -> Principal | None:
        header = view.headers.get("authorization") or ""
        if not header.startswith("Bearer "):
            return None
        subject = self.store.get("token:" + header[7:])
        return None if subject is None else Principal(subject=subject)


class StoreBackedGuard:
    def __init__(self, store: FlakyStore) -> None:
        self.store = store

    def check(self, view: RequestView) -> None:
        self.store.get("tenant")


@pytest.fixture
def seen() -> Iterator[list[str]]:
    names: list[str] = []
    remove = events.add_listener(lambda name, fields: names.append(name))
    yield names
    remove()


def view(**headers: str) -> RequestView:
    hdrs = CaseInsensitiveHeaders({"host": "api.example.com", **headers})
    return RequestView(method="GET", path="/x", headers=hdrs, client_ip="10.2.2.2", scheme="https")


def assert_503(outcome: Any) -> None:
    assert outcome.status == 503
    headers = dict(outcome.headers)
    assert int(headers["Retry-After"]) >= 1
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(outcome.body)["status"] == 503


def test_an_authenticator_store_failure_is_a_503_with_retry_after_logged_once(seen: list[str]) -> None:
    clock = FakeClock(1_000_000.0)
    store = FlakyStore(clock)
    store.inner.set("token:t1", "ann")
    shield = Shield(store=store, authenticators=[StoreBackedTokens(store)], clock=clock)
    assert shield.process(view(authorization="Bearer t1")).allowed
    store.down = True
    for _ in range(20):
        assert_503(shield.process(view(authorization="Bearer t1")))
    assert seen.count("auth.store_error") == 1  # throttled: one event per interval, the rest counted
    store.down = False
    assert shield.process(view(authorization="Bearer t1")).allowed  # back without a restart


def test_a_guard_store_failure_is_a_503_not_an_exception(seen: list[str]) -> None:
    clock = FakeClock(1_000_000.0)
    store = FlakyStore(clock)
    shield = Shield(store=store, guards=[StoreBackedGuard(store)], clock=clock)
    store.down = True
    for _ in range(5):
        assert_503(shield.process(view(), PUBLIC))
    assert seen.count("shield.store_error") == 1


def test_sessions_fail_closed_when_the_store_fails() -> None:
    clock = FakeClock(1_000_000.0)
    store = FlakyStore(clock)
    sessions = SessionManager(store, clock=clock)  # type: ignore[arg-type]
    session = sessions.create("ann")
    store.down = True
    for call in (lambda: sessions.load(session.id), lambda: sessions.create("bob"),
                 lambda: sessions.revoke(session.id), lambda: sessions.csrf_token(session.id)):
        with pytest.raises(StoreUnavailable) as raised:
            call()
        assert raised.value.status == 503 and raised.value.headers["Retry-After"]


def test_a_session_lookup_store_failure_is_a_503_through_the_shield() -> None:
    clock = FakeClock(1_000_000.0)
    store = FlakyStore(clock)
    shield = Shield(store=store, sessions={"enabled": True}, clock=clock)
    session = shield.sessions.create("ann")
    cookie = f"{shield.sessions.cookie_name}={session.id}"
    assert shield.process(view(cookie=cookie)).allowed
    store.down = True
    assert_503(shield.process(view(cookie=cookie)))


def down_shield() -> Shield:
    clock = FakeClock(1_000_000.0)
    store = FlakyStore(clock)
    store.down = True
    return Shield(store=store, authenticators=[StoreBackedTokens(store)], mode="development", clock=clock)


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def check_response(response: httpx.Response) -> None:
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1


def test_the_wsgi_adapter_answers_503_when_the_store_fails() -> None:
    app = ShieldMiddleware(wsgi_app, down_shield())
    client = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://api.test")
    check_response(client.get("/x", headers={"Authorization": "Bearer t1"}))


def test_the_asgi_adapter_answers_503_when_the_store_fails() -> None:
    app = ShieldASGIMiddleware(asgi_app, down_shield())

    async def run() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as client:
            return await client.get("/x", headers={"Authorization": "Bearer t1"})

    check_response(asyncio.run(run()))
