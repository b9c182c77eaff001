"""CherryPy: per-path config is matched the way the dispatcher resolves paths; every dispatch style
(default, ``MethodDispatcher``, ``popargs``, ``_cp_dispatch``, ``default``, ``tree.mount``) runs the shield;
error answers carry the security headers."""

from __future__ import annotations

from typing import Any

import cherrypy
import httpx
import pytest
from cherrypy._cptree import Tree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apishield.integrations.cherrypy import Shield, principal
from apishield.integrations.cli import collect
from tests.integrations.test_shield import Tokens, User

TOKENS = Tokens(
    {
        "user": User("uma", frozenset({"tasks:read"})),
        "admin": User("ada", frozenset({"tasks:read"}), frozenset({"admin"})),
    }
)
DEV = {"mode": "development", "default_limits": ["1000/minute"]}
USER = {"Authorization": "Bearer user"}
ADMIN = {"Authorization": "Bearer admin"}
SECURITY = ("X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy")


def client(app: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="https://t")


class Root:
    @cherrypy.expose
    def user_admin(self) -> str:
        return f"admin page for {principal().subject}"

    @cherrypy.expose
    def boom(self) -> str:
        raise RuntimeError("secret internal detail")


def path_config_app() -> Any:
    shield = Shield(authenticators=[TOKENS], **DEV)
    shield.install()
    config = shield.app_config({"/user_admin": {"tools.apishield.roles": ["admin"]}})
    return cherrypy.Application(Root(), "", config=config)


@pytest.mark.parametrize("path", ["/user_admin", "/user-admin", "/user.admin", "/user%2Dadmin", "/user_admin/"])
def test_path_config_holds_for_every_spelling_the_dispatcher_accepts(path: str) -> None:
    with client(path_config_app()) as c:
        assert c.get(path).status_code == 401
        assert c.get(path, headers=USER).status_code == 403
        answer = c.get(path, headers=ADMIN)
        assert answer.status_code == 200
        assert answer.text == "admin page for ada"


def test_unhandled_error_answer_carries_the_security_headers() -> None:
    with client(path_config_app()) as c:
        answer = c.get("/boom", headers=USER)
    assert answer.status_code == 500
    assert "secret" not in answer.text
    for name in SECURITY:
        assert name in answer.headers, name


def test_not_found_answer_carries_the_security_headers() -> None:
    with client(path_config_app()) as c:
        answer = c.get("/nowhere")
    assert answer.status_code == 404
    for name in SECURITY:
        assert name in answer.headers, name


# --- every dispatch style, mounted in one tree ------------------------------------------------------------
MARKS = Shield(authenticators=[TOKENS], **DEV)  # decorators only attach settings; any shield will do


@cherrypy.popargs("item_id")
class Items:
    @cherrypy.expose
    @MARKS.require(roles=["admin"])
    def index(self, item_id: str = "") -> str:
        return f"item {item_id}"


class Reports:
    @cherrypy.expose
    def index(self) -> str:
        return "report"


class Dynamic:
    def _cp_dispatch(self, vpath: list[str]) -> Any:
        vpath.pop(0)
        return Reports()


class Fallback:
    @cherrypy.expose
    def default(self, *args: str) -> str:
        return "/".join(args)


@cherrypy.expose
class Resource:
    def GET(self) -> str:
        return "resource"

    def DELETE(self) -> str:
        return "deleted"


def tree_app() -> Tree:
    shield = Shield(authenticators=[TOKENS], **DEV)
    shield.install()

    class Api:
        items = Items()
        dynamic = Dynamic()
        fallback = Fallback()

    tree = Tree()
    tree.mount(Api(), "/api", shield.app_config())
    rest = shield.app_config({"/": {"request.dispatch": cherrypy.dispatch.MethodDispatcher()}})
    rest["/"]["tools.apishield.roles"] = ["admin"]
    tree.mount(Resource(), "/rest", rest)
    return tree


@pytest.mark.parametrize(
    ("method", "path", "user"),
    [
        ("GET", "/api/items/42/", 403),
        ("GET", "/api/dynamic/anything/", 200),
        ("GET", "/api/fallback/a/b", 200),
        ("GET", "/rest", 403),
        ("DELETE", "/rest", 403),
    ],
)
def test_every_dispatch_style_runs_the_shield(method: str, path: str, user: int) -> None:
    with client(tree_app()) as c:
        assert c.request(method, path).status_code == 401
        assert c.request(method, path, headers=USER).status_code == user
        assert c.request(method, path, headers=ADMIN).status_code == 200


def test_listing_follows_path_config_and_dispatch_styles() -> None:
    listed = {(m, p): s.describe() for m, p, s in collect(tree_app()) if s is not None}
    assert listed == {
        ("*", "/api/dynamic/*"): "protected",
        ("*", "/api/fallback/*"): "protected",
        ("*", "/api/items"): "protected roles=admin",
        ("*", "/api/items/{item_id}"): "protected roles=admin",
        ("GET", "/rest"): "protected roles=admin",
        ("DELETE", "/rest"): "protected roles=admin",
    }
    listed = {(m, p): s.describe() for m, p, s in collect(path_config_app()) if s is not None}
    assert listed[("*", "/user_admin")] == "protected roles=admin"


def test_tool_turned_on_only_for_a_path_with_other_spellings_is_refused() -> None:
    from apishield.errors import ConfigError
    from apishield.integrations.cherrypy import check_config

    with pytest.raises(ConfigError, match=r"\[/api/user_admin\] only"):
        check_config({"/": {}, "/user_admin": {"tools.apishield.on": True}}, "/api")
    check_config({"/": {"tools.apishield.on": True}, "/user_admin": {"tools.apishield.on": True}})
    check_config({"/admin": {"tools.apishield.on": True}})  # no other spelling reaches "admin"


def test_engine_start_checks_the_mounted_apps() -> None:
    from apishield.errors import ConfigError
    from apishield.integrations.cherrypy import _check_tree

    shield = Shield(authenticators=[TOKENS], **DEV)
    shield.install()
    assert _check_tree in cherrypy.engine.listeners["start"]
    saved = cherrypy.tree
    cherrypy.tree = Tree()
    try:
        cherrypy.tree.mount(Root(), "/x", {"/user_admin": {"tools.apishield.on": True}})
        with pytest.raises(ConfigError):
            _check_tree()
    finally:
        cherrypy.tree = saved


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(separator=st.sampled_from(list("-._~!$&'()*+,=:@")), encode=st.booleans())
def test_every_spelling_that_reaches_the_handler_gets_its_path_config(separator: str, encode: bool) -> None:
    """Whatever punctuation stands for the underscore, and whether or not it is percent-encoded: if the
    dispatcher reaches ``user_admin``, the ``/user_admin`` section's roles apply."""
    sep = f"%{ord(separator):02X}" if encode else separator
    with client(path_config_app()) as c:
        admin = c.get(f"/user{sep}admin", headers=ADMIN)
        if admin.status_code == 404:
            return  # this spelling does not reach the handler at all
        assert admin.status_code == 200
        assert c.get(f"/user{sep}admin", headers=USER).status_code == 403


def test_handler_with_per_method_config_is_listed_per_method() -> None:
    shield = Shield(authenticators=[TOKENS], routes={"POST /user_admin": {"roles": ["admin"]}}, **DEV)
    shield.install()
    app = cherrypy.Application(Root(), "", config=shield.app_config())
    listed = {(m, p): s.describe() for m, p, s in collect(app) if s is not None and p == "/user_admin"}
    assert listed == {("GET", "/user_admin"): "protected", ("POST", "/user_admin"): "protected roles=admin",
                      ("PUT", "/user_admin"): "protected", ("PATCH", "/user_admin"): "protected",
                      ("DELETE", "/user_admin"): "protected"}
    with client(app) as c:
        assert c.get("/user_admin", headers=USER).status_code == 200
        assert c.post("/user_admin", headers=USER).status_code == 403
