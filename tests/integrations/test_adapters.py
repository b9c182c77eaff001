"""Adapter details checked in process: OpenAPI security, debug warnings, skipped routes, events, MethodView."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import bottle
import httpx
import pytest
from fastapi import Depends, FastAPI
from flask import Flask, g
from flask.views import MethodView

from apishield import events
from apishield.integrations.bottle import Shield as BottleShield
from apishield.integrations.cli import collect
from apishield.integrations.fastapi import Shield as FastAPIShield
from apishield.integrations.flask import Shield as FlaskShield
from tests.integrations.test_shield import Tokens, User

TOKENS = Tokens({"r": User("ann", frozenset({"tasks:read"})), "w": User("wes", frozenset({"tasks:write"}))})
DEV = {"mode": "development", "default_limits": ["1000/minute"]}


def test_fastapi_openapi_shows_the_security_scheme() -> None:
    shield = FastAPIShield(authenticators=[TOKENS], **DEV)
    app = FastAPI()
    shield.init_app(app)

    @app.get("/tasks")
    def tasks(principal: Any = Depends(shield.require("tasks:read"))) -> Any:
        return {"who": principal.subject}

    @app.get("/health")
    @shield.public
    def health() -> Any:
        return {}

    @app.get("/other")
    def other() -> Any:  # protected by default, without any dependency
        return {}

    doc = app.openapi()
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert doc["paths"]["/tasks"]["get"]["security"] == [{"bearerAuth": []}]
    assert doc["paths"]["/other"]["get"]["security"] == [{"bearerAuth": []}]
    assert "security" not in doc["paths"]["/health"]["get"]

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            assert (await client.get("/other")).status_code == 401
            assert (await client.get("/tasks", headers={"Authorization": "Bearer w"})).status_code == 403
            assert (await client.get("/tasks", headers={"Authorization": "Bearer r"})).json() == {"who": "ann"}

    asyncio.run(run())


def test_flask_debug_mode_warns(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask(__name__)
    app.debug = True
    with caplog.at_level(logging.WARNING, logger="apishield"):
        FlaskShield(app, authenticators=[TOKENS], **DEV)
    assert any("debug mode" in r.getMessage() for r in caplog.records)


def test_flask_method_view_and_g_principal() -> None:
    app = Flask(__name__)
    shield = FlaskShield(app, authenticators=[TOKENS], **DEV)

    class Tasks(MethodView):
        @shield.protect("tasks:read")
        def get(self) -> Any:
            return {"who": g.principal.subject}

        @shield.protect("tasks:write")
        def post(self) -> Any:
            return {"who": g.principal.subject}, 201

    app.add_url_rule("/tasks", view_func=Tasks.as_view("tasks"))
    client = app.test_client()
    assert client.get("/tasks").status_code == 401
    assert client.get("/tasks", headers={"Authorization": "Bearer r"}).json == {"who": "ann"}
    assert client.post("/tasks", headers={"Authorization": "Bearer r"}).status_code == 403
    assert client.post("/tasks", headers={"Authorization": "Bearer w"}).status_code == 201


def test_bottle_skipped_route_is_listed_unshielded() -> None:
    app = bottle.Bottle()
    shield = BottleShield(authenticators=[TOKENS], **DEV)
    app.install(shield)

    @app.get("/metrics", skip=["apishield"])
    def metrics() -> Any:
        return "ok"

    @app.get("/tasks")
    def tasks() -> Any:
        return "ok"

    rows = {path: settings for _, path, settings in collect(app)}
    assert rows["/metrics"] is None
    assert rows["/tasks"] is not None and not rows["/tasks"].is_public


def test_security_events_are_structured_and_redacted() -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    remove = events.add_listener(lambda name, fields: seen.append((name, fields)))
    try:
        app = Flask(__name__)
        shield = FlaskShield(app, authenticators=[TOKENS], **{**DEV, "default_limits": ["1/minute"]})

        @app.get("/x")
        def x() -> Any:
            return {}

        client = app.test_client()
        client.get("/x", headers={"Authorization": "Bearer not-a-real-token"})
        client.get("/x")
        assert shield is not None
    finally:
        remove()
    names = [name for name, _ in seen]
    assert "auth.failure" in names
    assert "ratelimit.denied" in names
    assert all("not-a-real-token" not in repr(fields) for _, fields in seen)


def test_routes_are_listed_once_at_the_first_request(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask(__name__)
    shield = FlaskShield(app, authenticators=[TOKENS], **DEV)

    @app.get("/health")
    @shield.public
    def health() -> Any:
        return {}

    @app.post("/tasks")
    @shield.protect("tasks:write")
    def tasks() -> Any:
        return {}

    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="apishield"):
        client.get("/health")
        client.get("/health")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("apishield route")]
    assert "apishield route GET /health: public" in lines
    assert "apishield route POST /tasks: protected scopes=tasks:write" in lines
    assert "apishield route GET /static/<path:filename>: public" in lines  # Flask's own asset route
    assert len(lines) == 3


def test_bottle_apply_per_route_without_global_install() -> None:
    app = bottle.Bottle()
    shield = BottleShield(authenticators=[TOKENS], **DEV)

    @app.get("/open")
    def open_route() -> Any:
        return "open"

    @app.get("/guarded", apply=[shield], apishield={"scopes": ["tasks:read"]})
    def guarded() -> Any:
        return "guarded"

    client = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://t")
    assert client.get("/open").status_code == 200
    assert client.get("/guarded").status_code == 401
    assert client.get("/guarded", headers={"Authorization": "Bearer w"}).status_code == 403
    assert client.get("/guarded", headers={"Authorization": "Bearer r"}).text == "guarded"


def test_flask_factory_pattern_init_app() -> None:
    shield = FlaskShield(authenticators=[TOKENS], **DEV)

    def create_app() -> Flask:
        app = Flask(__name__)
        shield.init_app(app)

        @app.get("/me")
        def me() -> Any:
            return {"who": g.principal.subject}

        return app

    client = create_app().test_client()
    assert client.get("/me").status_code == 401
    assert client.get("/me", headers={"Authorization": "Bearer r"}).json == {"who": "ann"}
