"""Apps that use every routing construct of each framework, for the differential route-coverage suite.

Each builder takes the shield's settings (and authenticators for in-process runs) and returns the app. Every
handler answers 200 with a short text, so the suite can tell "reached" from "refused". Roles: routes that
need ``admin`` say so with the framework's own way of attaching settings (decorators, blueprint/router
settings, path config, router dependencies).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request  # FastAPI resolves endpoint annotations from the module's globals
from starlette.websockets import WebSocket

STATIC_FILE = "probe.txt"


def static_dir(root: Path, name: str) -> str:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STATIC_FILE).write_text("static")
    return str(folder)


# --- FastAPI / Starlette ---------------------------------------------------------------------------------
def fastapi_app(settings: dict[str, Any], root: Path, authenticators: Any = None) -> Any:
    from fastapi import APIRouter, Depends, FastAPI
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Host, Route
    from starlette.staticfiles import StaticFiles

    from apishield.integrations.fastapi import Shield

    shield = Shield(authenticators=authenticators, **settings)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    shield.init_app(app)
    admin = shield.require(roles=["admin"])

    @app.get("/health")
    @shield.public
    def health() -> Any:
        return "ok"

    @app.get("/items/{item_id}")
    def item(item_id: int) -> Any:
        return "item"

    @app.delete("/items/{item_id}")
    def delete_item(item_id: int, principal: Any = Depends(admin)) -> Any:
        return "deleted"

    def listing() -> Any:
        return "listing"

    app.add_api_route("/listing", listing, methods=["GET"], dependencies=[Depends(admin)])

    async def starlette_view(request: Request) -> PlainTextResponse:
        return PlainTextResponse("starlette")

    app.add_route("/plain", starlette_view, methods=["GET"])

    users = APIRouter()

    @users.get("/users")
    def list_users(principal: Any = Depends(admin)) -> Any:
        return "users"

    @users.post("/users")
    def add_user(principal: Any = Depends(admin)) -> Any:
        return "added"

    reports = APIRouter()

    @reports.get("/daily")
    def daily() -> Any:
        return "daily"

    @reports.websocket("/stream")
    async def stream(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("stream")
        await websocket.close()

    ops = APIRouter()
    ops.include_router(reports, prefix="/reports")
    app.include_router(users, prefix="/admin")
    app.include_router(ops, prefix="/ops", dependencies=[Depends(admin)])
    app.include_router(reports, prefix="/public-reports")

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("ws")
        await websocket.close()

    async def plain_asgi(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"asgi"})

    app.mount("/internal", plain_asgi)
    app.mount("/sub", Starlette(routes=[Route("/home", starlette_view)]))
    app.mount("/assets", StaticFiles(directory=static_dir(root, "fastapi_static")))
    app.router.routes.append(Host("admin.example.com", app=Starlette(routes=[Route("/panel", starlette_view)])))
    return app


# --- Flask -----------------------------------------------------------------------------------------------
def flask_app(settings: dict[str, Any], root: Path, authenticators: Any = None) -> Any:
    from flask import Blueprint, Flask
    from flask.views import MethodView

    from apishield.integrations.flask import Shield

    app = Flask(__name__, static_folder=static_dir(root, "flask_static"))
    shield = Shield(app, authenticators=authenticators, **settings)

    @app.get("/health")
    @shield.public
    def health() -> Any:
        return "ok"

    @app.route("/items/<int:item_id>", methods=["GET", "DELETE"])
    def item(item_id: int) -> Any:
        return "item"

    @shield.require(roles=["admin"])
    def listing() -> Any:
        return "listing"

    app.add_url_rule("/listing", view_func=listing)

    class Tasks(MethodView):
        def get(self) -> Any:
            return "tasks"

        @shield.protect(roles=["admin"])
        def post(self) -> Any:
            return "created"

    app.add_url_rule("/tasks", view_func=Tasks.as_view("tasks"))

    admin = Blueprint("admin", __name__, static_folder=static_dir(root, "admin_static"), static_url_path="/files")

    @admin.get("/users")
    def users() -> Any:
        return "users"

    shield.blueprint(admin, roles=["admin"])
    api = Blueprint("api", __name__)
    api.register_blueprint(admin, url_prefix="/admin")
    app.register_blueprint(api, url_prefix="/api")
    app.register_blueprint(admin, url_prefix="/admin")
    app.register_blueprint(admin, url_prefix="/v2/admin", name="admin_v2")

    named = Blueprint("named", __name__)

    @named.get("/report", endpoint="static")
    @shield.require(roles=["admin"])
    def report() -> Any:
        return "report"

    app.register_blueprint(named, url_prefix="/named")
    return app


# --- Bottle ----------------------------------------------------------------------------------------------
def bottle_app(settings: dict[str, Any], root: Path, authenticators: Any = None) -> Any:
    import bottle

    from apishield.integrations.bottle import Shield

    shield = Shield(authenticators=authenticators, **settings)
    app = bottle.Bottle()
    app.install(shield)

    @app.get("/health", apishield={"public": True})
    def health() -> Any:
        return "ok"

    @app.get("/items/<item_id:int>")
    def item(item_id: int) -> Any:
        return "item"

    @app.delete("/items/<item_id:int>", apishield={"roles": ["admin"]})
    def delete_item(item_id: int) -> Any:
        return "deleted"

    @app.get("/raw", skip=["apishield"])
    def raw() -> Any:
        return "raw"

    child = bottle.Bottle()

    @child.get("/users")
    @shield.require(roles=["admin"])
    def users() -> Any:
        return "users"

    @child.get("/status", apishield={"public": True})
    def status() -> Any:
        return "status"

    merged = bottle.Bottle()

    @merged.get("/reports")
    @shield.require(roles=["admin"])
    def reports() -> Any:
        return "reports"

    def wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"wsgi"]

    app.mount("/child/", child)
    app.merge(merged)
    app.mount("/wsgi/", wsgi)
    return app


# --- CherryPy --------------------------------------------------------------------------------------------
def cherrypy_tree(settings: dict[str, Any], root: Path, authenticators: Any = None) -> Any:
    import cherrypy
    from cherrypy._cptree import Tree

    from apishield.integrations.cherrypy import Shield

    shield = Shield(authenticators=authenticators, **settings)
    shield.install()

    @cherrypy.popargs("item_id")
    class Items:
        @cherrypy.expose
        def index(self, item_id: str = "") -> str:
            return "item"

    class Report:
        @cherrypy.expose
        def index(self) -> str:
            return "report"

    class Dynamic:
        def _cp_dispatch(self, vpath: list[str]) -> Any:
            vpath.pop(0)
            return Report()

    class Fallback:
        @cherrypy.expose
        def default(self, *args: str) -> str:
            return "fallback"

    class Api:
        items = Items()
        dynamic = Dynamic()
        fallback = Fallback()

        @cherrypy.expose
        @shield.public
        def health(self) -> str:
            return "ok"

        @cherrypy.expose
        def user_admin(self) -> str:
            return "admin page"

        @cherrypy.expose
        @shield.require(roles=["admin"])
        def listing(self) -> str:
            return "listing"

    @cherrypy.expose
    class Resource:
        def GET(self) -> str:
            return "resource"

        @shield.require(roles=["admin"])
        def DELETE(self) -> str:
            return "deleted"

    tree = Tree()
    tree.mount(Api(), "/api", shield.app_config({"/user_admin": {"tools.apishield.roles": ["admin"]}}))
    rest = {"/": {"request.dispatch": cherrypy.dispatch.MethodDispatcher()}}
    tree.mount(Resource(), "/rest", shield.app_config(rest))
    return tree
