"""Framework models: routes, prefixes and the protections that apply, per framework."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import audit, ids


def routes(result: object) -> dict[str, dict[str, object]]:
    return {f"{'/'.join(r.methods)} {r.path}": r.to_dict() for r in result.routes}  # type: ignore[attr-defined]


def test_flask_project_defined_decorator_that_aborts_401_counts_as_auth(tmp_path: Path) -> None:
    result = audit(
        tmp_path,
        {
            "app.py": """\
            from flask import Flask, request, abort
            from functools import wraps
            from decorators import needs_key
            app = Flask(__name__)

            def require_key(f):
                @wraps(f)
                def inner(*a, **k):
                    if request.headers.get("X-Key") is None:
                        abort(401)
                    return f(*a, **k)
                return inner

            def cached(f):
                return f

            @app.route("/a")
            @require_key
            def a(): return "a"

            @app.route("/b")
            @cached
            def b(): return load("b")

            @app.route("/c")
            @needs_key
            def c(): return "c"
            """,
            "decorators.py": """\
            def needs_key(f):
                def inner(*a, **k):
                    raise PermissionError() if False else None
                    from werkzeug.exceptions import Unauthorized
                    raise Unauthorized()
                return inner
            """,
        },
    )
    table = routes(result)
    assert table["GET /a"]["auth"] == "@require_key"
    assert table["GET /b"]["auth"] is None
    assert table["GET /c"]["auth"]  # defined in another module
    assert [f.location.line for f in result.findings if f.rule_id == "AS101"] == [21]


def test_flask_blueprint_prefixes_hooks_and_method_views(tmp_path: Path) -> None:
    result = audit(
        tmp_path,
        {
            "app.py": """\
            from flask import Flask
            from api import bp as api_bp
            def create_app():
                app = Flask(__name__)
                app.register_blueprint(api_bp, url_prefix="/api/v2")
                return app
            """,
            "api.py": """\
            from flask import Blueprint, abort, session
            from flask.views import MethodView
            from flask_login import login_required
            bp = Blueprint("api", __name__, url_prefix="/ignored")

            @bp.before_request
            def gate():
                if "uid" not in session:
                    abort(401)

            class Items(MethodView):
                decorators = [login_required]
                def get(self): return []
                def delete(self): return ""

            bp.add_url_rule("/items", view_func=Items.as_view("items"))

            @bp.get("/ping")
            def ping(): return "pong"
            """,
        },
    )
    table = routes(result)
    assert set(table) == {"GET /api/v2/items", "DELETE /api/v2/items", "GET /api/v2/ping"}
    assert table["GET /api/v2/ping"]["auth"] == "gate()"
    assert table["DELETE /api/v2/items"]["auth"]
    assert "AS101" not in ids(result)


def test_flask_extensions_bound_with_init_app_in_another_module(tmp_path: Path) -> None:
    result = audit(
        tmp_path,
        {
            "ext.py": """\
            from flask_limiter import Limiter
            from flask_talisman import Talisman
            limiter = Limiter(key_func=lambda: "x", default_limits=["10/minute"])
            talisman = Talisman()
            """,
            "app.py": """\
            from flask import Flask
            from ext import limiter, talisman
            app = Flask(__name__)
            limiter.init_app(app)
            talisman.init_app(app)

            @app.post("/v1/login")
            def login(): return ""
            """,
        },
    )
    route = routes(result)["POST /v1/login"]
    assert route["rate_limit"] == "Limiter" and route["headers"] == "Talisman"
    assert not {"AS201", "AS202", "AS304"} & ids(result)


def test_limiter_without_default_limits_is_not_global(tmp_path: Path) -> None:
    result = audit(
        tmp_path,
        {
            "app.py": """\
        from flask import Flask
        from flask_limiter import Limiter
        app = Flask(__name__)
        limiter = Limiter(lambda: "k", app=app)

        @app.post("/v1/login")
        def login(): return ""
        """
        },
    )
    assert {"AS201", "AS202"} <= ids(result)


def test_apishield_shield_counts_as_every_protection(tmp_path: Path) -> None:
    result = audit(
        tmp_path,
        {
            "app.py": """\
        from flask import Flask
        from apishield.integrations.flask import Shield
        app = Flask(__name__)
        shield = Shield(app)

        @app.get("/v1/tasks")
        def tasks(): return []

        @app.get("/v1/status-page")
        @shield.public
        def status(): return {}
        """
        },
    )
    table = routes(result)
    assert all(table["GET /v1/tasks"][k] for k in ("auth", "rate_limit", "csrf", "headers"))
    assert table["GET /v1/status-page"]["public"] == "@shield.public"
    assert not {"AS101", "AS201", "AS304"} & ids(result)


def test_fastapi_router_and_include_router_dependencies(tmp_path: Path) -> None:
    result = audit(
        tmp_path,
        {
            "main.py": """\
        from fastapi import APIRouter, Depends, FastAPI, HTTPException
        from fastapi.security import APIKeyHeader
        scheme = APIKeyHeader(name="X-Key")

        def verify(key: str = Depends(scheme)):
            return key

        def audit_log():
            return None

        app = FastAPI()
        open_router = APIRouter()
        locked = APIRouter(prefix="/locked")

        @open_router.get("/open")
        def open_(): return 1

        @open_router.get("/logged", dependencies=[Depends(audit_log)])
        def logged(): return 1

        @locked.get("/x")
        def x(): return 1

        app.include_router(open_router, prefix="/v1")
        app.include_router(locked, prefix="/v1", dependencies=[Depends(verify)])
        """
        },
    )
    table = routes(result)
    assert table["GET /v1/locked/x"]["auth"] == "Depends(verify)"
    assert table["GET /v1/open"]["auth"] is None and table["GET /v1/logged"]["auth"] is None


def test_cherrypy_tool_registration_config_sections_and_method_dispatcher(tmp_path: Path) -> None:
    result = audit(
        tmp_path,
        {
            "srv.py": """\
        import cherrypy

        def check():
            if "Authorization" not in cherrypy.request.headers:
                raise cherrypy.HTTPError(403)

        cherrypy.tools.gate = cherrypy.Tool("before_handler", check)

        @cherrypy.expose
        class Items:
            def GET(self): return "[]"
            def POST(self): return "{}"

        class Open:
            @cherrypy.expose
            def index(self): return "hi"

        class Root:
            items = Items()
            open = Open()

        conf = {"/items": {"request.dispatch": cherrypy.dispatch.MethodDispatcher(), "tools.gate.on": True}}
        cherrypy.tree.mount(Root(), "/v1", conf)
        """
        },
    )
    table = routes(result)
    assert table["GET /v1/items"]["auth"] == "tools.gate" and table["POST /v1/items"]["auth"] == "tools.gate"
    assert table["GET/POST /v1/open"]["auth"] is None


def test_bottle_plugins_skip_and_auth_basic(tmp_path: Path) -> None:
    result = audit(
        tmp_path,
        {
            "app.py": """\
        from bottle import Bottle, auth_basic
        from apishield.integrations.bottle import Shield
        app = Bottle()
        app.install(Shield())

        @app.get("/v1/a")
        def a(): return "a"

        @app.get("/v1/b", skip=["Shield"])
        def b(): return "b"

        def check(user, pw): return False

        @app.get("/v1/c", skip=True)
        @auth_basic(check)
        def c(): return "c"
        """
        },
    )
    table = routes(result)
    assert table["GET /v1/a"]["auth"] == "Shield"
    assert table["GET /v1/b"]["auth"] is None
    assert table["GET /v1/c"]["auth"] == "@bottle.auth_basic"


def test_connexion_operations_follow_openapi_security(tmp_path: Path) -> None:
    spec = {
        "openapi": "3.0.0",
        "security": [{"bearer": []}],
        "paths": {
            "/health": {"get": {"operationId": "api.health", "security": []}},
            "/pets/{pet_id}": {"get": {"operationId": "api.get_pet"}},
        },
    }
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "openapi.json").write_text(json.dumps(spec))
    result = audit(
        tmp_path,
        {
            "app.py": """\
        import connexion
        app = connexion.App(__name__, specification_dir="spec/")
        app.add_api("openapi.json")
        """
        },
    )
    table = routes(result)
    assert table["GET /pets/{pet_id}"]["auth"] == "OpenAPI security"
    assert table["GET /health"]["public"] == "OpenAPI security: []"


def test_public_by_design_routes_are_not_reported_unauthenticated(tmp_path: Path) -> None:
    result = audit(
        tmp_path,
        {
            "app.py": """\
        from flask import Flask
        app = Flask(__name__)

        @app.get("/health")
        def health(): return "ok"

        @app.post("/api/v1/auth/login")
        def login(): return "ok"

        @app.get("/docs")
        def docs(): return "ok"

        @app.get("/static/<path:p>")
        def static_files(p): return p
        """
        },
    )
    assert "AS101" not in ids(result)
    assert "AS202" in ids(result)  # still reported: login has no attempt limit
    assert "AS201" in ids(result)


def test_fastapi_apishield_init_app_and_public_marker(tmp_path: Path) -> None:
    result = audit(
        tmp_path,
        {
            "main.py": """\
        from fastapi import Depends, FastAPI
        from apishield.integrations.fastapi import Shield
        shield = Shield(jwt_secret_env="APISHIELD_JWT_SECRET")
        app = FastAPI()
        shield.init_app(app)

        @app.get("/v1/tasks")
        def tasks(principal=Depends(shield.require("tasks:read"))): return []

        @app.get("/v1/catalogue")
        @shield.public
        def catalogue(): return []
        """
        },
    )
    table = routes(result)
    assert table["GET /v1/tasks"]["auth"] and table["GET /v1/tasks"]["rate_limit"]
    assert table["GET /v1/catalogue"]["public"] == "@shield.public"
    assert not {"AS101", "AS201", "AS304"} & ids(result)
