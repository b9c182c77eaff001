"""aiohttp applications: a middleware the application installs runs before every handler, so one that turns away
callers without credentials (or is named for authentication: ``middleware_auth``, ``jwt_middleware``) guards every
route (no AS101), as Flask's application-wide hooks do, also in a list joined with ``+``; the same app without it is
reported. Handlers answer with response objects: ``web.json_response`` of request data is JSON, not
a page (no AS404)."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_ROUTES = '''
from aiohttp import web

routes = web.RouteTableDef()


@routes.delete("/clients/{id}")
async def delete_client(request: web.Request) -> web.Response:
    await request.app["db"].execute("DELETE FROM clients WHERE id = $1", request.match_info["id"])
    return web.json_response({"deleted": request.match_info["id"]})


@routes.post("/clients/echo")
async def echo(request: web.Request) -> web.Response:
    data = await request.json()
    return web.json_response({"name": data.get("name")})
'''

_MIDDLEWARE = '''
from aiohttp import web

from .auth import check_token


@web.middleware
async def auth(request: web.Request, handler):
    if request.path.startswith("/auth/"):
        return await handler(request)
    if not check_token(request.headers.get("Authorization", "")):
        raise web.HTTPUnauthorized()
    return await handler(request)
'''

_AUTH = '''
import hmac
import os


def check_token(header: str) -> bool:
    return hmac.compare_digest(header, "Bearer " + os.environ["ADMIN_TOKEN"])
'''


def _app(middlewares: str) -> str:
    return f'''
from aiohttp import web

from .middleware import auth
from .routes import routes

BASE = []


def make_app() -> web.Application:
    app = web.Application(middlewares={middlewares})
    app.add_routes(routes)
    return app
'''


@pytest.mark.parametrize(("middlewares", "reported"), [
    ("[auth]", False), ("[]", True), ("BASE + [auth]", False), ("BASE + []", True), ("(auth,)", False)],
    ids=["auth-middleware", "none", "joined-lists", "joined-lists-without-auth", "tuple"])
def test_an_authenticating_middleware_guards_every_route(tmp_path: Path, middlewares: str, reported: bool) -> None:
    files = {"pkg/__init__.py": "", "pkg/app.py": _app(middlewares), "pkg/routes.py": _ROUTES,
             "pkg/middleware.py": _MIDDLEWARE, "pkg/auth.py": _AUTH}
    result = audit(tmp_path, files)
    missing = [f for f in result.findings if f.rule_id == "AS101" and f.severity.name in {"MEDIUM", "HIGH", "CRITICAL"}]
    assert bool(missing) is reported


def test_a_json_response_of_request_data_is_not_a_page(tmp_path: Path) -> None:
    result = audit(tmp_path, {"pkg/__init__.py": "", "pkg/routes.py": _ROUTES})
    assert not [f for f in result.findings if f.rule_id == "AS404"]


def test_request_text_returned_by_a_flask_view_is_still_a_page(tmp_path: Path) -> None:
    source = ("from flask import Flask, request\n\napp = Flask(__name__)\n\n\n@app.get('/hi')\n"
              "def hi():\n    return 'hello ' + request.args['name']\n")
    result = audit(tmp_path, {"app.py": source})
    assert [f for f in result.findings if f.rule_id == "AS404"]


def test_an_aiohttp_redirect_to_a_query_parameter_is_an_open_redirect(tmp_path: Path) -> None:
    source = ("from aiohttp import web\n\nroutes = web.RouteTableDef()\n\n\n@routes.get('/go')\n"
              "async def go(request: web.Request) -> web.Response:\n"
              "    raise web.HTTPFound(request.query['next'])\n")
    result = audit(tmp_path, {"app.py": source})
    assert [f for f in result.findings if f.rule_id == "AS807" and f.severity >= Severity.MEDIUM]


_NAMED = '''
from aiohttp import web

from .auth import check_token


@web.middleware
async def {name}(request: web.Request, handler):
    {body}
    return await handler(request)
'''

@pytest.mark.parametrize(("name", "body", "reported"), [
    ("middleware_auth", "check_token(request.headers.get('Authorization', ''))", False),
    ("jwt_middleware", "check_token(request.headers.get('Authorization', ''))", False),
    ("timing_middleware", "check_token(request.headers.get('Authorization', ''))", True),
    ("checks", "request['started'] = 1", True),
], ids=["named-middleware-auth", "named-jwt-middleware", "named-for-something-else", "no-check"])
def test_a_middleware_named_for_authentication_guards(
        tmp_path: Path, name: str, body: str, reported: bool) -> None:
    files = {"pkg/__init__.py": "", "pkg/app.py": _app(f"[{name}]").replace("import auth", f"import {name}"),
             "pkg/routes.py": _ROUTES, "pkg/middleware.py": _NAMED.format(name=name, body=body), "pkg/auth.py": _AUTH}
    result = audit(tmp_path, files)
    missing = [f for f in result.findings if f.rule_id == "AS101" and f.severity.name in {"MEDIUM", "HIGH", "CRITICAL"}]
    assert bool(missing) is reported
