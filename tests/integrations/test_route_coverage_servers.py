"""The differential route-coverage suite over real servers: uvicorn (FastAPI, WebSockets included), gunicorn
(Flask), waitress (Bottle) and CherryPy's own server, with signed JWTs through a trusted TLS proxy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integrations.apps import coverage
from tests.integrations.apps.common import shield_settings
from tests.integrations.servers import JWT_SECRET, serve
from tests.integrations.test_route_coverage import (
    CHERRYPY_SERVED,
    check,
    concrete,
    fastapi_served,
    listing,
)

pytestmark = pytest.mark.xdist_group("integration-servers")

TARGETS = {
    "fastapi": ("tests.integrations.apps.coverage_serve:fastapi_app", coverage.fastapi_app),
    "flask": ("tests.integrations.apps.coverage_serve:flask_app", coverage.flask_app),
    "bottle": ("tests.integrations.apps.coverage_serve:bottle_app", coverage.bottle_app),
    "cherrypy": ("tests.integrations.apps.coverage_serve", coverage.cherrypy_tree),
}


def served_of(framework: str, app: Any) -> set[tuple[str, str]]:
    if framework == "fastapi":
        return set(fastapi_served(app.routes))
    if framework == "flask":
        return {(m, r.rule) for r in app.url_map.iter_rules() for m in (r.methods or set()) - {"HEAD", "OPTIONS"}}
    if framework == "bottle":
        return {("*" if r.method == "PROXY" else r.method, r.rule) for r in app.routes}
    return set(CHERRYPY_SERVED)


def websocket_status(url: str, headers: dict[str, str], attempts: int = 2) -> int:
    """The HTTP status refusing the handshake, the close code after it, or 200 when a message arrives. A
    connection the server drops before answering the handshake at all (seen once on a loaded CI machine) says
    nothing about the guard and is tried once more; a second one fails the test."""
    from websockets.exceptions import ConnectionClosed, InvalidMessage, InvalidStatus
    from websockets.sync.client import connect

    try:
        with connect(url, additional_headers=headers, open_timeout=5) as ws:
            ws.recv(timeout=5)
            return 200
    except InvalidStatus as refused:
        return int(refused.response.status_code)
    except ConnectionClosed as closed:
        return int(closed.rcvd.code) if closed.rcvd is not None else 1006
    except InvalidMessage:
        if attempts <= 1:
            raise
        return websocket_status(url, headers, attempts - 1)


@pytest.mark.parametrize("framework", sorted(TARGETS))
def test_real_servers_serve_list_and_guard_the_same_routes(
    framework: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_token: Callable[..., str]
) -> None:
    monkeypatch.setenv("APISHIELD_TEST_JWT_SECRET", JWT_SECRET)
    target, build = TARGETS[framework]
    app = build(shield_settings(), tmp_path)  # the same app, built here for its routing table and listing
    tokens = {"anonymous": "", "user": make_token("uma", ("tasks:read",)),
              "admin": make_token("ada", ("tasks:read",), roles=("admin",))}
    callers = {name: ({"Authorization": f"Bearer {t}"} if t else {}) for name, t in tokens.items()}
    with serve(framework, target=target) as base, httpx.Client(base_url=base, timeout=10) as client:

        def call(method: str, template: str, headers: dict[str, str]) -> int:
            headers = {**headers, "X-Forwarded-Proto": "https"}
            host, _, rest = template.partition("/")
            path = concrete("/" + rest)
            if host:
                headers["Host"] = host
            if framework == "cherrypy" and template.startswith(("/api/items", "/api/dynamic")):
                path += "/"
            if method == "WS":
                return websocket_status(base.replace("http://", "ws://") + path, headers)
            return client.request("GET" if method == "*" else method, path, headers=headers).status_code

        check(listing(app), served_of(framework, app), call, callers)
