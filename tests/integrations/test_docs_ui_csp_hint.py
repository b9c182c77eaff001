"""A start-up hint when an API docs page (Swagger UI, ReDoc, flasgger...) meets a Content-Security-Policy that
blocks its inline start-up script: one warning per page, carrying a fix that works when pasted."""

from __future__ import annotations

import ast
import asyncio
import logging
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from flask import Flask

from apishield.integrations._common import blocks_inline_scripts, is_docs_ui_path
from apishield.integrations.fastapi import Shield as FastAPIShield
from apishield.integrations.flask import Shield as FlaskShield


def hints(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "looks like an API docs page" in r.getMessage()]


def fastapi_get(app: FastAPI, path: str) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.get(path)

    return asyncio.run(go())


def fastapi_app(shield: FastAPIShield, **kw: Any) -> FastAPI:
    app = FastAPI(**kw)
    shield.init_app(app)

    @app.get("/health")
    @shield.public
    def health() -> dict[str, bool]:
        return {"ok": True}

    return app


@pytest.mark.parametrize(
    ("csp", "blocked"),
    [
        ("default-src 'none'; frame-ancestors 'none'", True),
        ("default-src 'self'", True),
        ("script-src 'self' https://cdn.jsdelivr.net", True),
        ("default-src 'none'; script-src 'self' 'unsafe-inline'", False),
        ("script-src 'nonce-r4nd0m'", False),
        ("script-src-elem 'sha256-abc='; default-src 'none'", False),
        ("img-src *", False),
        (None, False),
        ("", False),
    ],
)
def test_policies_that_block_inline_scripts(csp: str | None, blocked: bool) -> None:
    assert blocks_inline_scripts(csp) is blocked


@pytest.mark.parametrize(
    ("path", "docs"),
    [("/docs", True), ("/api/redoc", True), ("/apidocs/", True), ("/swagger-ui", True), ("/documents", False),
     ("/tasks", False), ("/docs/{page}", False)],
)
def test_docs_ui_paths(path: str, docs: bool) -> None:
    assert is_docs_ui_path(path) is docs


def test_fastapi_docs_pages_under_the_default_csp_are_hinted(caplog: pytest.LogCaptureFixture) -> None:
    shield = FastAPIShield(mode="development")
    app = fastapi_app(shield, docs_url="/documentation")
    with caplog.at_level(logging.WARNING, logger="apishield"):
        fastapi_get(app, "/health")
        fastapi_get(app, "/health")
    found = hints(caplog)
    assert len(found) == 2  # once per page, not per request
    assert any("/documentation " in h for h in found) and any("/redoc " in h for h in found)


def test_the_hinted_fix_works_when_pasted(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="apishield"):
        fastapi_get(fastapi_app(FastAPIShield(mode="development"), redoc_url=None), "/health")
    (message,) = hints(caplog)
    routes = ast.literal_eval(re.search(r"Shield\(routes=(\{.*\}\}\})\)", message).group(1))  # type: ignore[union-attr]
    caplog.clear()
    shield = FastAPIShield(mode="development", routes=routes)
    app = fastapi_app(shield, redoc_url=None)
    with caplog.at_level(logging.WARNING, logger="apishield"):
        page = fastapi_get(app, "/docs")
    assert hints(caplog) == []
    assert page.status_code == 200
    assert "'unsafe-inline'" in page.headers["content-security-policy"]


def test_no_hint_without_docs_pages(caplog: pytest.LogCaptureFixture) -> None:
    app = fastapi_app(FastAPIShield(mode="development"), docs_url=None, redoc_url=None)
    with caplog.at_level(logging.WARNING, logger="apishield"):
        fastapi_get(app, "/health")
    assert hints(caplog) == []


def test_flask_docs_page_is_hinted_at_the_first_request(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask("docs_hint")
    shield = FlaskShield(app, mode="development")

    @app.get("/apidocs/")
    @shield.public
    def apidocs() -> str:
        return "<html><script>SwaggerUIBundle({})</script></html>"

    @app.get("/documents")
    @shield.public
    def documents() -> dict[str, list[str]]:
        return {"documents": []}

    with caplog.at_level(logging.WARNING, logger="apishield"):
        app.test_client().get("/documents")
    found = hints(caplog)
    assert len(found) == 1 and "/apidocs/ " in found[0]
