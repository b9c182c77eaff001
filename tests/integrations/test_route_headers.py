"""Per-route security-header overrides: ``shield.route_headers({...})``, ``RouteSettings(headers=...)`` and the
``headers`` key of a route's config table, compiled once per route."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from flask import Flask

from apishield.errors import ConfigError
from apishield.integrations.fastapi import Shield as FastAPIShield
from apishield.integrations.flask import Shield as FlaskShield
from apishield.integrations.wsgi import ShieldMiddleware
from apishield.request import RequestView
from apishield.shield import RouteSettings, Shield
from tests.integrations.test_shield import Tokens, User

DEV: dict[str, Any] = {"mode": "development", "default_limits": ["1000/minute"]}
TOKENS = Tokens({"r": User("ann", frozenset({"tasks:read"}))})
DOCS_CSP = "default-src 'self'; script-src 'self' https://cdn.example"


def test_flask_route_headers_apply_to_that_route_only() -> None:
    app = Flask(__name__)
    shield = FlaskShield(app, authenticators=[TOKENS], **DEV)

    @app.get("/docs")
    @shield.public
    @shield.route_headers({"Content-Security-Policy": DOCS_CSP, "X-Frame-Options": None, "X-Docs": "1"})
    def docs() -> Any:
        return "<html></html>"

    @app.get("/private")
    @shield.route_headers({"Content-Security-Policy": DOCS_CSP})
    def private() -> Any:
        return {}

    @app.get("/api")
    @shield.public
    def api() -> Any:
        return {}

    client = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="https://t")
    docs_answer = client.get("/docs")
    assert docs_answer.headers.get_list("content-security-policy") == [DOCS_CSP]
    assert "x-frame-options" not in docs_answer.headers and docs_answer.headers["x-docs"] == "1"
    assert docs_answer.headers["x-content-type-options"] == "nosniff"  # the rest stays
    api_answer = client.get("/api")
    assert api_answer.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert api_answer.headers["x-frame-options"] == "DENY" and "x-docs" not in api_answer.headers
    refused = client.get("/private")  # the override also rides on the route's refusals
    assert refused.status_code == 401 and refused.headers["content-security-policy"] == DOCS_CSP
    assert client.get("/private", headers={"Authorization": "Bearer r"}).headers["cache-control"] == "no-store"


def test_fastapi_route_headers() -> None:
    shield = FastAPIShield(authenticators=[TOKENS], **DEV)
    app = FastAPI()
    shield.init_app(app)

    @app.get("/docs-page")
    @shield.public
    @shield.route_headers({"Content-Security-Policy": DOCS_CSP})
    def docs() -> Any:
        return {}

    @app.get("/api")
    @shield.public
    def api() -> Any:
        return {}

    async def run() -> tuple[httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://t") as client:
            return await client.get("/docs-page"), await client.get("/api")

    docs_answer, api_answer = asyncio.run(run())
    assert docs_answer.headers.get_list("content-security-policy") == [DOCS_CSP]
    assert api_answer.headers["content-security-policy"] != DOCS_CSP


def test_config_routes_carry_headers() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/html"), ("X-Frame-Options", "SAMEORIGIN")])
        return [b"<html></html>"]

    routes = {"GET /docs": {"public": True, "headers": {"Content-Security-Policy": DOCS_CSP, "Referrer-Policy": ""}},
              "GET /other": {"public": True}}
    shield = Shield(authenticators=[TOKENS], routes=routes, **DEV)
    client = httpx.Client(transport=httpx.WSGITransport(app=ShieldMiddleware(app, shield)), base_url="https://t")
    docs = client.get("/docs")
    assert docs.headers["content-security-policy"] == DOCS_CSP and "referrer-policy" not in docs.headers
    assert docs.headers.get_list("x-frame-options") == ["SAMEORIGIN"]  # the app's own value still wins
    other = client.get("/other")
    assert other.headers["content-security-policy"] != DOCS_CSP and other.headers["referrer-policy"] == "no-referrer"


def test_overrides_are_compiled_once_and_merge_by_specificity() -> None:
    shield = Shield(authenticators=[TOKENS], **DEV)
    broad = RouteSettings(public=True, headers={"X-Frame-Options": None, "X-A": "broad"})
    route = broad.merged(RouteSettings(headers={"x-a": "specific"}))
    assert hash(route) == hash(broad.merged(RouteSettings(headers={"x-a": "specific"})))  # still hashable
    compiled = shield.compile(route)
    assert shield.compile(route) is compiled
    outcome = shield.process(RequestView(method="GET", path="/x", scheme="https"), compiled)
    names = [k.lower() for k, _ in outcome.headers]
    assert "x-frame-options" not in names and dict(outcome.headers)["x-a"] == "specific"
    assert "x-a" in shield.emitted_headers


@pytest.mark.parametrize("bad", [{"Bad Name": "x"}, {"X-A": "line\nbreak"}, {"X-A": 5}, ["not", "pairs"]])
def test_bad_overrides_are_refused_at_configuration(bad: Any) -> None:
    with pytest.raises(ConfigError):
        RouteSettings(headers=bad)
