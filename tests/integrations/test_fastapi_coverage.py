"""FastAPI / Starlette: every routing construct is guarded (or refused), and the route listing says so.

Included routers (nested, prefixed, with router-level dependencies), mounted Starlette and plain ASGI apps,
Host routing, static files and WebSockets, in process through Starlette's test client.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, WebSocket
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Host, Route
from starlette.websockets import WebSocketDisconnect

from apishield.integrations.cli import collect

with warnings.catch_warnings():  # Starlette asks for httpx2 and falls back to the installed httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient, WebSocketDenialResponse
from apishield.integrations.fastapi import Shield
from tests.integrations.test_shield import Tokens, User

TOKENS = Tokens(
    {
        "user": User("uma", frozenset({"tasks:read"})),
        "admin": User("ada", frozenset({"tasks:read"}), frozenset({"admin"})),
    }
)
DEV = {"mode": "development", "default_limits": ["1000/minute"]}
ANON: dict[str, str] = {}
USER = {"Authorization": "Bearer user"}
ADMIN = {"Authorization": "Bearer admin"}


def make_shield() -> Shield:
    return Shield(authenticators=[TOKENS], **DEV)


async def plain_asgi(scope: Any, receive: Any, send: Any) -> None:
    """A bare ASGI application (no routes the shield could read)."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"internal"})


def rows(app: Any) -> dict[tuple[str, str], str]:
    """``apishield routes`` as {(method, path): protection summary}."""
    return {(m, p): (s.describe() if s is not None else "unshielded") for m, p, s in collect(app)}


# --- included routers ----------------------------------------------------------------------------------
def included_app() -> tuple[FastAPI, Shield]:
    shield = make_shield()
    app = FastAPI()
    shield.init_app(app)
    admin = APIRouter()

    @admin.get("/users")
    def users(principal: Any = Depends(shield.require(roles=["admin"]))) -> Any:
        return {"who": principal.subject}

    inner = APIRouter()

    @inner.get("/audit")
    def audit() -> Any:  # roles come from the router-level dependency of the outer include
        return {"ok": True}

    nested = APIRouter()
    nested.include_router(inner, prefix="/deep")
    app.include_router(admin, prefix="/admin")
    app.include_router(nested, prefix="/ops", dependencies=[Depends(shield.require(roles=["admin"]))])
    return app, shield


@pytest.mark.parametrize("path", ["/admin/users", "/ops/deep/audit"])
def test_included_router_routes_enforce_their_roles(path: str) -> None:
    app, _ = included_app()
    with TestClient(app) as client:
        assert client.get(path).status_code == 401
        assert client.get(path, headers=USER).status_code == 403
        assert client.get(path, headers=ADMIN).status_code == 200


def test_included_router_routes_are_listed_with_their_roles() -> None:
    app, _ = included_app()
    listed = rows(app)
    assert listed[("GET", "/admin/users")] == "protected roles=admin"
    assert listed[("GET", "/ops/deep/audit")] == "protected roles=admin"


def test_requirement_called_inline_checks_its_own_roles() -> None:
    """A ``shield.require(...)`` object checks its scopes and roles itself, whatever the middleware decided."""
    shield = make_shield()
    app = FastAPI()
    shield.init_app(app)
    needs_admin = shield.require(roles=["admin"])

    @app.get("/checked")
    async def checked(request: Request) -> Any:
        principal = await needs_admin(request)
        return {"who": principal.subject}

    with TestClient(app) as client:
        assert client.get("/checked").status_code == 401
        assert client.get("/checked", headers=USER).status_code == 403
        assert client.get("/checked", headers=ADMIN).json() == {"who": "ada"}


# --- mounts and hosts -----------------------------------------------------------------------------------
def mounted_app() -> FastAPI:
    shield = make_shield()
    app = FastAPI()
    shield.init_app(app)

    async def sub_home(request: Any) -> PlainTextResponse:
        return PlainTextResponse("sub")

    sub = Starlette(routes=[Route("/home", sub_home)])
    app.mount("/internal", plain_asgi)
    app.mount("/sub", sub)
    app.router.routes.append(Host("admin.example.com", app=Starlette(routes=[Route("/panel", sub_home)])))
    app.mount("/open", shield.public(plain_asgi_public()))
    return app


def plain_asgi_public() -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await plain_asgi(scope, receive, send)

    return app


@pytest.mark.parametrize("path", ["/internal", "/internal/anything", "/sub/home", "/sub/unknown"])
def test_mounted_apps_are_deny_by_default(path: str) -> None:
    with TestClient(mounted_app()) as client:
        assert client.get(path).status_code == 401
        assert client.get(path, headers=USER).status_code in (200, 404)


def test_host_routed_app_is_deny_by_default() -> None:
    with TestClient(mounted_app(), base_url="http://admin.example.com") as client:
        assert client.get("/panel").status_code == 401
        assert client.get("/panel", headers=USER).text == "sub"


def test_mount_marked_public_is_reachable() -> None:
    with TestClient(mounted_app()) as client:
        assert client.get("/open/x").text == "internal"


def test_mounts_and_hosts_are_listed() -> None:
    listed = rows(mounted_app())
    assert listed[("*", "/internal/*")] == "protected"
    assert listed[("GET", "/sub/home")] == "protected"
    assert listed[("*", "/sub/*")] == "protected"
    assert listed[("GET", "admin.example.com/panel")] == "protected"
    assert listed[("*", "/open/*")] == "public"


# --- websockets -----------------------------------------------------------------------------------------
def ws_app() -> FastAPI:
    shield = make_shield()
    app = FastAPI()
    shield.init_app(app)

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    @app.websocket("/ws/admin")
    async def ws_admin(websocket: WebSocket, principal: Any = Depends(shield.require(roles=["admin"]))) -> None:
        await websocket.accept()
        await websocket.send_text(principal.subject)
        await websocket.close()

    router = APIRouter()

    @router.websocket("/feed")
    async def feed(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("feed")
        await websocket.close()

    app.include_router(router, prefix="/live", dependencies=[Depends(shield.require(roles=["admin"]))])
    return app


def ws_status(client: TestClient, path: str, headers: dict[str, str]) -> int | str:
    """The handshake's HTTP refusal status, the close code of a refusal without it, or the first message."""
    try:
        with client.websocket_connect(path, headers=dict(headers)) as ws:
            return str(ws.receive_text())
    except WebSocketDenialResponse as denial:
        return int(denial.status_code)
    except WebSocketDisconnect as closed:
        return int(closed.code)


@pytest.mark.parametrize(
    ("path", "anon", "user", "admin"),
    [("/ws", 401, "hello", "hello"), ("/ws/admin", 401, 403, "ada"), ("/live/feed", 401, 403, "feed")],
)
def test_websockets_are_guarded_at_the_handshake(path: str, anon: Any, user: Any, admin: Any) -> None:
    with TestClient(ws_app()) as client:
        assert ws_status(client, path, ANON) == anon
        assert ws_status(client, path, USER) == user
        assert ws_status(client, path, ADMIN) == admin


def test_websocket_refusal_is_a_close_code_when_the_server_cannot_send_http() -> None:
    app = ws_app()

    async def without_denial_extension(scope: Any, receive: Any, send: Any) -> None:
        await app({**scope, "extensions": {}}, receive, send)

    with TestClient(without_denial_extension) as client:
        assert ws_status(client, "/ws", ANON) == 4401
        assert ws_status(client, "/ws/admin", USER) == 4403


def test_websockets_are_listed() -> None:
    listed = rows(ws_app())
    assert listed[("WS", "/ws")] == "protected"
    assert listed[("WS", "/ws/admin")] == "protected roles=admin"
    assert listed[("WS", "/live/feed")] == "protected roles=admin"


def test_websocket_dependency_checks_by_itself_without_the_middleware() -> None:
    shield = Shield(authenticators=[TOKENS], **DEV)
    app = FastAPI()  # no init_app: the dependency is the only guard

    @app.websocket("/open-ws")
    async def open_ws(websocket: WebSocket, principal: Any = Depends(shield.require(roles=["admin"]))) -> None:
        await websocket.accept()
        await websocket.send_text(principal.subject)
        await websocket.close()

    with TestClient(app) as client:
        assert ws_status(client, "/open-ws", ANON) == 4401
        assert ws_status(client, "/open-ws", USER) == 4403
        assert ws_status(client, "/open-ws", ADMIN) == "ada"


def test_generic_asgi_middleware_guards_websocket_handshakes() -> None:
    from apishield.integrations.asgi import ShieldASGIMiddleware
    from apishield.shield import Shield as CoreShield

    async def echo(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            for phase in ("startup", "shutdown"):
                await receive()
                await send({"type": f"lifespan.{phase}.complete"})
            return
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "hi"})
        await send({"type": "websocket.close", "code": 1000})

    app = ShieldASGIMiddleware(echo, CoreShield(authenticators=[TOKENS], **DEV), routes={"/public": {"public": True}})
    with TestClient(app) as client:
        assert ws_status(client, "/private", ANON) == 401
        assert ws_status(client, "/private", USER) == "hi"
        assert ws_status(client, "/public", ANON) == "hi"


def session_ws_app(**settings: Any) -> tuple[FastAPI, str]:
    shield = Shield(sessions={"enabled": True, "cookie_name": "session", "secure": False}, **{**DEV, **settings})
    app = FastAPI()
    shield.init_app(app)

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    session = shield.sessions.login("alice")
    cookie = shield.sessions.cookie(session).split(";", 1)[0]
    return app, cookie


def test_cookie_authenticated_websocket_from_another_site_is_refused() -> None:
    app, cookie = session_ws_app()
    with TestClient(app) as client:
        own = {"Cookie": cookie, "Origin": "http://testserver"}
        assert ws_status(client, "/ws", own) == "hello"
        assert ws_status(client, "/ws", {"Cookie": cookie, "Origin": "https://evil.example"}) == 403
        assert ws_status(client, "/ws", {"Cookie": cookie}) == "hello"  # no Origin: not a browser page


def test_wss_handshakes_count_as_https() -> None:
    app, cookie = session_ws_app(mode="production", https="refuse")
    with TestClient(app) as client:
        assert ws_status(client, "wss://testserver/ws", {"Cookie": cookie, "Origin": "https://testserver"}) == "hello"
        assert ws_status(client, "ws://testserver/ws", {"Cookie": cookie}) == 403


def test_requirement_compares_names_not_substrings() -> None:
    """A principal whose scopes are one space-separated string holds "tasks:read", not "tasks"."""
    shield = make_shield()
    app = FastAPI()
    shield.init_app(app)

    @dataclass
    class Caller:
        subject: str = "sam"
        scopes: str = "tasks:read admin:all"
        roles: str = "administrator"

    needs = shield.require("tasks", roles=["admin"])

    @app.get("/checked")
    async def checked(request: Request) -> Any:
        request.scope["state"]["apishield.principal"] = Caller()
        return {"who": (await needs(request)).subject}

    with TestClient(app) as client:
        assert client.get("/checked", headers=ADMIN).status_code == 403


def test_plain_starlette_app_is_guarded_and_listed() -> None:
    from starlette.routing import Mount, WebSocketRoute

    async def home(request: Request) -> PlainTextResponse:
        return PlainTextResponse("home")

    @make_shield().public
    async def health(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    app = Starlette(routes=[Route("/health", health), Mount("/api", routes=[Route("/home", home)]),
                            WebSocketRoute("/ws", ws)])
    make_shield().init_app(app)  # a plain Starlette app: no OpenAPI document to mark
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/api/home").status_code == 401
        assert client.get("/api/home", headers=USER).text == "home"
        assert ws_status(client, "/ws", ANON) == 401
        assert ws_status(client, "/ws", USER) == "hi"
    assert rows(app) == {("GET", "/health"): "public", ("GET", "/api/home"): "protected",
                         ("*", "/api/*"): "protected", ("WS", "/ws"): "protected"}


# --- a mounted application with its own shield --------------------------------------------------------
@dataclass
class CountingGuard:
    """A user guard that counts the requests its shield checked."""

    seen: list[str]

    def check(self, view: Any) -> None:
        self.seen.append(view.path)


def shielded_sub_app() -> tuple[FastAPI, list[str], list[str]]:
    outer_seen: list[str] = []
    inner_seen: list[str] = []
    outer = Shield(authenticators=[TOKENS], guards=[CountingGuard(outer_seen)], **DEV)
    inner = Shield(authenticators=[TOKENS], guards=[CountingGuard(inner_seen)], **DEV)
    app = FastAPI()
    outer.init_app(app)
    sub = FastAPI()
    inner.init_app(sub)

    @sub.get("/reports")
    def reports(p: Any = Depends(inner.require(roles=["admin"]))) -> Any:
        return {"ok": True}

    @app.get("/tasks")
    def tasks(p: Any = Depends(outer.require())) -> Any:
        return []

    app.mount("/v2", sub)
    return app, outer_seen, inner_seen


def test_a_mounted_app_with_its_own_shield_is_checked_once_by_that_shield() -> None:
    app, outer_seen, inner_seen = shielded_sub_app()
    client = TestClient(app)
    assert client.get("/v2/reports", headers=ANON).status_code == 401
    assert client.get("/v2/reports", headers=USER).status_code == 403
    assert client.get("/v2/reports", headers=ADMIN).status_code == 200
    assert client.get("/tasks", headers=USER).status_code == 200
    assert outer_seen == ["/tasks"]  # the outer shield passed the mounted app's requests through
    assert inner_seen == ["/v2/reports"]  # only the one that reached the guards (after auth)


def test_a_mounted_app_with_its_own_shield_is_listed_with_its_own_settings() -> None:
    app, _, _ = shielded_sub_app()
    listed = rows(app)
    assert "admin" in listed[("GET", "/v2/reports")]
    assert ("*", "/v2/*") not in listed or listed[("*", "/v2/*")] != "public"
