"""FastAPI lifespan integration: the shield starts with the app (routes listed, store checked) and closes the
store it opened when the app shuts down, around the app's own lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from apishield.errors import StoreError
from apishield.integrations.fastapi import Shield
from apishield.stores import from_url


class Served:
    """The app between its ASGI lifespan start-up and shutdown, on one event loop; ``get`` sends a request."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.app, self.loop = app, loop
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")

    def get(self, path: str) -> httpx.Response:
        return self.loop.run_until_complete(self.client.get(path))


@contextlib.contextmanager
def lifespan_client(app: Any) -> Iterator[Served]:
    """Run the app's lifespan through the ASGI protocol (startup, then shutdown when the block ends)."""
    loop = asyncio.new_event_loop()
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    sent: list[str] = []

    async def receive() -> dict[str, str]:
        return await inbox.get()

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["type"])

    async def wait_for(kind: str) -> None:
        while kind not in sent:
            await asyncio.sleep(0)

    task = loop.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send))
    inbox.put_nowait({"type": "lifespan.startup"})
    loop.run_until_complete(wait_for("lifespan.startup.complete"))
    served = Served(app, loop)
    try:
        yield served
    finally:
        loop.run_until_complete(served.client.aclose())
        inbox.put_nowait({"type": "lifespan.shutdown"})
        loop.run_until_complete(wait_for("lifespan.shutdown.complete"))
        loop.run_until_complete(task)
        loop.close()


def limited_app(shield: Shield, calls: list[str]) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        calls.append("app start")
        yield {"db": "ready"}
        calls.append("app stop")

    app = FastAPI(lifespan=lifespan)
    shield.init_app(app)

    @app.get("/ping")
    @shield.public
    @shield.limit("2/minute")
    def ping() -> dict[str, bool]:
        return {"ok": True}

    return app


def test_the_store_the_shield_opened_is_closed_at_shutdown(caplog: pytest.LogCaptureFixture) -> None:
    shield = Shield(mode="development")
    calls: list[str] = []
    app = limited_app(shield, calls)
    with caplog.at_level(logging.INFO, logger="apishield"), lifespan_client(app) as client:
        assert calls == ["app start"]
        assert any("apishield route GET /ping: public" in r.getMessage() for r in caplog.records)
        assert [client.get("/ping").status_code for _ in range(3)] == [200, 200, 429]
        assert len(shield.store) > 0
    assert calls == ["app start", "app stop"]
    assert len(shield.store) == 0  # closed: a memory store is emptied
    with lifespan_client(app) as client:  # the next lifespan starts fresh
        assert client.get("/ping").status_code == 200


def test_a_store_passed_in_is_left_to_its_owner() -> None:
    store = from_url("memory://")
    shield = Shield(mode="development", store=store)
    app = limited_app(shield, [])
    with lifespan_client(app) as client:
        client.get("/ping")
    assert len(store) > 0


class DownStore:
    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise StoreError("connection refused")

        return fail


def test_an_unreachable_store_is_reported_at_start_up(caplog: pytest.LogCaptureFixture) -> None:
    shield = Shield(mode="development", store=DownStore())
    app = limited_app(shield, [])
    with caplog.at_level(logging.WARNING, logger="apishield"), lifespan_client(app):
        pass
    assert any("store did not answer at start-up" in r.getMessage() for r in caplog.records)


def test_the_default_lifespan_is_wrapped_too() -> None:
    shield = Shield(mode="development")
    app = FastAPI()
    shield.init_app(app)

    @app.get("/ping")
    @shield.public
    def ping() -> dict[str, bool]:
        return {"ok": True}

    with lifespan_client(app) as client:
        assert client.get("/ping").status_code == 200
        assert len(shield.store) > 0
    assert len(shield.store) == 0
