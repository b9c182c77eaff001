"""Every adapter is a front end over one core pipeline: it resolves a native request into the compiled route
and the request view, and answers a refusal natively. The core decides; the adapter only translates."""

from __future__ import annotations

import io
import json
from typing import Any

from apishield.shield.frontend import decide

SECRET = "frontend-test-secret-" + "x" * 40


def _environ(path: str, method: str = "GET", **extra: Any) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        **extra,
    }


def test_the_flask_layer_resolves_with_flasks_url_map_and_answers_refusals_natively() -> None:
    from flask import Flask

    from apishield.integrations.flask import Shield

    app = Flask("frontend")
    shield = Shield(app, mode="development", jwt_secret=SECRET)

    @app.get("/items/<int:item>")
    @shield.require("items:read")
    def item(item: int) -> Any:
        return {"item": item}

    layer = app.wsgi_app
    started: list[str] = []
    request = (_environ("/items/7"), lambda status, headers, exc_info=None: started.append(status))
    compiled, view = layer.resolve(request)  # type: ignore[attr-defined]
    assert not compiled.public and compiled.settings.scopes == ("items:read",)
    assert view.route == "/items/<int:item>"
    outcome = decide(layer, request)  # type: ignore[arg-type]
    assert outcome.status == 401
    body = b"".join(layer.respond(outcome, request))  # type: ignore[attr-defined]
    assert started[0].startswith("401")
    assert json.loads(body)["status"] == 401


def test_a_rebuilt_core_reaches_the_layer_already_installed() -> None:
    from flask import Flask

    from apishield.integrations.flask import Shield

    app = Flask("rebuilt")
    shield = Shield(app, mode="development")

    @app.get("/ping")
    @shield.public
    def ping() -> Any:
        return {"ok": True}

    client = app.test_client()
    assert [client.get("/ping").status_code for _ in range(3)] == [200, 200, 200]
    shield.reconfigure(over={"default_limits": ["2/minute"]})
    assert [client.get("/ping").status_code for _ in range(3)] == [200, 200, 429]


def test_the_fastapi_adapter_resolves_through_included_routers() -> None:
    from fastapi import APIRouter, Depends, FastAPI

    from apishield.integrations.fastapi import Shield

    app = FastAPI()
    shield = Shield(mode="development", jwt_secret=SECRET)
    shield.init_app(app)
    router = APIRouter(prefix="/admin", dependencies=[Depends(shield.require(roles=["admin"]))])

    @router.get("/users")
    async def users() -> Any:
        return []

    app.include_router(router)
    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/admin/users", "root_path": "",
                             "headers": [], "query_string": b"", "scheme": "http", "client": ("127.0.0.1", 1),
                             "server": ("127.0.0.1", 80), "app": app}
    compiled, view = shield.resolve(scope)
    assert compiled.settings.roles == ("admin",) and view.route == "/admin/users"
    outcome = decide(shield, scope)
    assert outcome.status == 401
    response = shield.respond(outcome, scope)
    assert response.status_code == 401 and response.headers["content-type"] == "application/problem+json"


def test_the_bottle_plugin_resolves_the_matched_route() -> None:
    import bottle

    from apishield.integrations.bottle import Shield

    app = bottle.Bottle()
    shield = Shield(mode="development", jwt_secret=SECRET)
    app.install(shield)

    @app.get("/notes/<name>", apishield={"scopes": ["notes:read"]})
    def note(name: str) -> Any:
        return {"name": name}

    environ = _environ("/notes/a")
    route, _ = app.router.match(environ)
    environ["bottle.route"] = route
    request = bottle.BaseRequest(environ)
    compiled, view = shield.resolve(request)
    assert compiled.settings.scopes == ("notes:read",) and view.route == "/notes/<name>"
    outcome = decide(shield, request)
    response = shield.respond(outcome, request)
    assert outcome.status == response.status_code == 401


def test_the_cherrypy_tool_resolves_with_the_dispatched_handler_and_its_config() -> None:
    import cherrypy

    from apishield.integrations.cherrypy import Shield

    shield = Shield(mode="development", jwt_secret=SECRET)
    shield.install()
    seen: dict[str, Any] = {}

    class Root:
        @cherrypy.expose
        def probe(self) -> str:
            compiled, view = shield.resolve(cherrypy.serving.request)
            seen.update(public=compiled.public, limits=compiled.settings.limits, route=view.route)
            return "ok"

    app = cherrypy.Application(Root(), "", config=shield.app_config({
        "/probe": {"tools.apishield.public": True, "tools.apishield.limits": ["5/minute"]}}))
    statuses: list[str] = []
    body = b"".join(app(_environ("/probe"), lambda status, headers, exc_info=None: statuses.append(status)))
    assert statuses[0].startswith("200"), body
    assert seen == {"public": True, "limits": ("5/minute",), "route": "/probe"}


def test_the_cherrypy_tool_answers_a_refusal_on_cherrypys_response() -> None:
    import cherrypy

    from apishield.integrations.cherrypy import Shield

    shield = Shield(mode="development", jwt_secret=SECRET)
    shield.install()

    class Root:
        @cherrypy.expose
        def refuse(self) -> None:
            shield.respond(shield.core.error_outcome(None, 403), cherrypy.serving.request)

    app = cherrypy.Application(Root(), "", config=shield.app_config({"/refuse": {"tools.apishield.public": True}}))
    statuses: list[str] = []
    headers: list[Any] = []

    def start(status: str, hdrs: list[Any], exc_info: Any = None) -> None:
        statuses.append(status)
        headers.extend(hdrs)

    b"".join(app(_environ("/refuse"), start))
    assert statuses[0].startswith("403")
    assert ("Content-Type", "application/problem+json") in headers
