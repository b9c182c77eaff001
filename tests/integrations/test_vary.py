"""``Vary`` from the application or framework is merged with the shield's ``Vary: Origin``, never replaced.

Every adapter (Flask, Bottle, CherryPy, FastAPI) and the generic WSGI / ASGI middleware, in process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import bottle
import cherrypy
import httpx
import pytest
from fastapi import FastAPI, Response
from flask import Flask

from apishield.integrations.asgi import ShieldASGIMiddleware
from apishield.integrations.bottle import Shield as BottleShield
from apishield.integrations.cherrypy import Shield as CherryPyShield
from apishield.integrations.fastapi import Shield as FastAPIShield
from apishield.integrations.flask import Shield as FlaskShield
from apishield.integrations.wsgi import ShieldMiddleware
from apishield.shield import Shield
from tests.integrations.test_shield import Tokens, User

ORIGIN = "https://app.example.com"
SETTINGS: dict[str, Any] = {"mode": "development", "default_limits": ["1000/minute"], "cors_origins": [ORIGIN]}
TOKENS = Tokens({"r": User("ann", frozenset({"tasks:read"}))})
APP_VARY = "Accept-Encoding, Accept-Language, X-Origin-Hint"  # the last one must not hide Origin


def _values(headers: httpx.Headers) -> list[str]:
    return [v.strip().lower() for line in headers.get_list("vary") for v in line.split(",") if v.strip()]


def _wsgi_client(app: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="https://api.test")


def flask_client() -> httpx.Client:
    app = Flask(__name__)
    shield = FlaskShield(app, authenticators=[TOKENS], **SETTINGS)

    @app.get("/v")
    @shield.public
    def v() -> Any:
        return {"ok": True}, 200, {"Vary": APP_VARY}

    return _wsgi_client(app)


def bottle_client() -> httpx.Client:
    app = bottle.Bottle()
    app.install(BottleShield(authenticators=[TOKENS], **SETTINGS))

    @app.get("/v", apishield={"public": True})
    def v() -> Any:
        bottle.response.set_header("Vary", APP_VARY)
        return {"ok": True}

    return _wsgi_client(app)


def cherrypy_client() -> httpx.Client:
    shield = CherryPyShield(authenticators=[TOKENS], **SETTINGS)
    tool = shield.install()

    class Root:
        @cherrypy.expose
        @tool(public=True)
        def v(self) -> str:
            cherrypy.response.headers["Vary"] = APP_VARY
            return "ok"

    app = cherrypy.Application(Root(), "", config=shield.app_config())
    return _wsgi_client(app)


def wsgi_client() -> httpx.Client:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("Vary", "Accept-Encoding"),
                                  ("vary", "Accept-Language, X-Origin-Hint")])
        return [b"ok"]

    shield = Shield(authenticators=[TOKENS], **SETTINGS)
    return _wsgi_client(ShieldMiddleware(app, shield, routes={"GET /v": {"public": True}}))


SYNC: dict[str, Callable[[], httpx.Client]] = {
    "flask": flask_client, "bottle": bottle_client, "cherrypy": cherrypy_client, "wsgi": wsgi_client,
}


@pytest.mark.parametrize("origin", [ORIGIN, None, "https://evil.example"])
@pytest.mark.parametrize("framework", sorted(SYNC))
def test_sync_adapters_merge_vary(framework: str, origin: str | None) -> None:
    with SYNC[framework]() as client:
        answer = client.get("/v", headers={"Origin": origin} if origin else {})
    assert answer.status_code == 200, answer.text
    values = _values(answer.headers)
    assert {"accept-encoding", "accept-language", "origin"} <= set(values), answer.headers
    assert len(values) == len(set(values))  # nothing listed twice


def fastapi_app() -> Any:
    shield = FastAPIShield(authenticators=[TOKENS], **SETTINGS)
    app = FastAPI()
    shield.init_app(app)

    @app.get("/v")
    @shield.public
    def v(response: Response) -> Any:
        response.headers["Vary"] = APP_VARY
        return {"ok": True}

    return app


async def _raw_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    headers = [(b"content-type", b"text/plain"), (b"Vary", b"Accept-Encoding"),
               (b"vary", b"Accept-Language, X-Origin-Hint")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


def asgi_app() -> Any:
    shield = Shield(authenticators=[TOKENS], **SETTINGS)
    return ShieldASGIMiddleware(_raw_app, shield, routes={"GET /v": {"public": True}})


@pytest.mark.parametrize("origin", [ORIGIN, None, "https://evil.example"])
@pytest.mark.parametrize("factory", [fastapi_app, asgi_app], ids=["fastapi", "asgi"])
def test_async_adapters_merge_vary(factory: Callable[[], Any], origin: str | None) -> None:
    app = factory()

    async def run() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://api.test") as client:
            return await client.get("/v", headers={"Origin": origin} if origin else {})

    answer = asyncio.run(run())
    assert answer.status_code == 200, answer.text
    values = _values(answer.headers)
    assert {"accept-encoding", "accept-language", "origin"} <= set(values), answer.headers
    assert len(values) == len(set(values))
