"""The differential route-coverage suite: what the framework serves, what ``apishield routes`` lists, and what
the shield does on each served route must agree.

For each framework an app uses every routing construct (tests/integrations/apps/coverage.py). The served
routes are enumerated from the framework's own routing tables (CherryPy, which has none, from a list of
URLs its dispatcher answers). The listing must name exactly those routes; on each one, anonymous → 401
unless public, a caller without the role → 403, the admin → 200 (an unshielded route answers everyone).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from apishield.integrations.cli import collect
from apishield.shield import RouteSettings
from tests.integrations.apps import coverage
from tests.integrations.test_shield import Tokens, User

with warnings.catch_warnings():  # Starlette asks for httpx2 and falls back to the installed httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient, WebSocketDenialResponse
    from starlette.websockets import WebSocketDisconnect

TOKENS = Tokens(
    {
        "user": User("uma", frozenset({"tasks:read"})),
        "admin": User("ada", frozenset({"tasks:read"}), frozenset({"admin"})),
    }
)
DEV = {"mode": "development", "default_limits": ["10000/minute"]}
CALLERS = {"anonymous": {}, "user": {"Authorization": "Bearer user"}, "admin": {"Authorization": "Bearer admin"}}
Row = tuple[str, str]


def expected(settings: RouteSettings | None) -> dict[str, int]:
    """The status each caller must get on a route listed with ``settings``."""
    if settings is None or settings.is_public:
        return {"anonymous": 200, "user": 200, "admin": 200}
    return {"anonymous": 401, "user": 403 if settings.roles else 200, "admin": 200}


def allowed(template: str, status: int, got: int) -> bool:
    """``got`` is what ``status`` promises: past the shield, the rest of a mounted app may be a 404."""
    return got == status or (template.endswith("/*") and status == 200 and got == 404)


def concrete(template: str) -> str:
    """A request path for a route template (Flask/Bottle/Starlette parameters, a trailing ``*``)."""
    path = re.sub(r"<path:[^>]+>|\{[^}]+:path\}", coverage.STATIC_FILE, template)
    path = re.sub(r"<[^>]*>|\{[^}]*\}", "1", path)
    return path[:-1] + coverage.STATIC_FILE if path.endswith("*") else path


def listing(app: Any) -> dict[Row, RouteSettings | None]:
    rows: dict[Row, RouteSettings | None] = {}
    for method, path, settings in collect(app):
        assert (method, path) not in rows, f"listed twice: {method} {path}"
        rows[(method, path)] = settings
    return rows


Call = Callable[[str, str, dict[str, str]], Any]


def check(
    listed: dict[Row, RouteSettings | None], served: set[Row], call: Call, callers: dict[str, dict[str, str]] = CALLERS
) -> None:
    """The listing names exactly the served routes, and each caller gets what the listed protection promises."""
    assert set(listed) == served, {"listed only": set(listed) - served, "served only": served - set(listed)}
    failures = []
    for (method, template), settings in sorted(listed.items()):
        for caller, status in expected(settings).items():
            got = call(method, template, callers[caller])
            if not allowed(template, status, got):
                failures.append(f"{method} {template} as {caller}: {got}, expected {status}")
    assert not failures, "\n".join(failures)


# --- FastAPI ---------------------------------------------------------------------------------------------
def fastapi_served(routes: Any, prefix: str = "", host: str = "") -> Iterator[Row]:
    """What Starlette/FastAPI route: FastAPI expands included routers; mounts and hosts take their subtree."""
    from starlette.routing import Host, Mount, WebSocketRoute

    try:  # newer FastAPI keeps an included router as one route and expands it on demand
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI copied the included routes into the app's own list
        contexts: Iterable[Any] = routes
    else:
        contexts = iter_route_contexts(routes)
    for ctx in contexts:
        original = getattr(ctx, "original_route", ctx)
        path = getattr(ctx, "path", "")
        if isinstance(original, Mount | Host):
            base = prefix + ("" if isinstance(original, Host) else path)
            inner_host = host or (ctx.host if isinstance(original, Host) else "")
            yield from fastapi_served(ctx.routes, base, inner_host)
            yield "*", inner_host + base + "/*"
        elif isinstance(original, WebSocketRoute):
            yield "WS", host + prefix + path
        else:
            for method in (getattr(ctx, "methods", None) or {"GET"}) - {"HEAD"}:
                yield method, host + prefix + path


def fastapi_call(client: TestClient) -> Callable[[str, str, dict[str, str]], Any]:
    def call(method: str, template: str, headers: dict[str, str]) -> Any:
        host, _, path = template.partition("/")
        path = concrete("/" + path)
        if host:
            headers = {**headers, "Host": host}
        if method == "WS":
            try:
                with client.websocket_connect(path, headers=headers) as ws:
                    ws.receive_text()
                    return 200
            except WebSocketDenialResponse as denial:
                return denial.status_code
            except WebSocketDisconnect as closed:
                return closed.code
        return client.request("GET" if method == "*" else method, path, headers=headers).status_code

    return call


def test_fastapi_serves_lists_and_guards_the_same_routes(tmp_path: Path) -> None:
    app = coverage.fastapi_app(DEV, tmp_path, [TOKENS])
    served = set(fastapi_served(app.routes))
    with TestClient(app) as client:
        check(listing(app), served, fastapi_call(client))


# --- Flask -----------------------------------------------------------------------------------------------
def test_flask_serves_lists_and_guards_the_same_routes(tmp_path: Path) -> None:
    app = coverage.flask_app(DEV, tmp_path, [TOKENS])
    served = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    client = app.test_client()

    def call(method: str, template: str, headers: dict[str, str]) -> int:
        return client.open(concrete(template), method=method, headers=headers).status_code

    check(listing(app), served, call)


# --- Bottle ----------------------------------------------------------------------------------------------
def test_bottle_serves_lists_and_guards_the_same_routes(tmp_path: Path) -> None:
    app = coverage.bottle_app(DEV, tmp_path, [TOKENS])
    served = {("*" if route.method == "PROXY" else route.method, route.rule) for route in app.routes}
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="https://t") as client:

        def call(method: str, template: str, headers: dict[str, str]) -> int:
            return client.request("GET" if method == "*" else method, concrete(template), headers=headers).status_code

        check(listing(app), served, call)


# --- CherryPy --------------------------------------------------------------------------------------------
CHERRYPY_SERVED = {  # the default dispatcher's handlers answer every method: "*"
    ("*", "/api/health"),
    ("*", "/api/user_admin"),
    ("*", "/api/listing"),
    ("*", "/api/items"),
    ("*", "/api/items/{item_id}"),
    ("*", "/api/dynamic/*"),
    ("*", "/api/fallback/*"),
    ("GET", "/rest"),
    ("DELETE", "/rest"),
}
CHERRYPY_SPELLINGS = ["/api/user-admin", "/api/user.admin", "/api/user%2Dadmin"]


def test_cherrypy_serves_lists_and_guards_the_same_routes(tmp_path: Path) -> None:
    tree = coverage.cherrypy_tree(DEV, tmp_path, [TOKENS])
    with httpx.Client(transport=httpx.WSGITransport(app=tree), base_url="https://t") as client:

        def call(method: str, template: str, headers: dict[str, str]) -> int:
            path = concrete(template)
            if template.startswith(("/api/items", "/api/dynamic")):
                path += "/"  # CherryPy redirects to the trailing slash of an index handler
            return client.request("GET" if method == "*" else method, path, headers=headers).status_code

        check(listing(tree), CHERRYPY_SERVED, call)
        # the dispatcher's other spellings of a path reach the same handler: same protection
        for path in CHERRYPY_SPELLINGS:
            assert [client.get(path, headers=h).status_code for h in CALLERS.values()] == [401, 403, 200], path


# What each coverage app means to protect: the routes it marks admin-only and the ones it leaves open (public
# or skipped), each through a different construct. The listing (and so, by the tests above, the behaviour)
# must match this intent, not merely agree with itself.
INTENT: dict[str, tuple[Callable[..., Any], set[Row], set[Row]]] = {
    "fastapi": (
        coverage.fastapi_app,
        {("DELETE", "/items/{item_id}"), ("GET", "/admin/users"), ("POST", "/admin/users"), ("GET", "/listing"),
         ("GET", "/ops/reports/daily"), ("WS", "/ops/reports/stream")},
        {("GET", "/health"), ("*", "/assets/*")},
    ),
    "flask": (
        coverage.flask_app,
        {("GET", "/admin/users"), ("GET", "/api/admin/users"), ("GET", "/v2/admin/users"), ("GET", "/listing"),
         ("GET", "/named/report"), ("POST", "/tasks")},
        {("GET", "/health"), ("GET", "/flask_static/<path:filename>"), ("GET", "/admin/files/<path:filename>"),
         ("GET", "/api/admin/files/<path:filename>"), ("GET", "/v2/admin/files/<path:filename>")},
    ),
    "bottle": (
        coverage.bottle_app,
        {("DELETE", "/items/<item_id:int>"), ("GET", "/child/users"), ("GET", "/reports")},
        {("GET", "/health"), ("GET", "/child/status"), ("GET", "/raw")},
    ),
    "cherrypy": (
        coverage.cherrypy_tree,
        {("DELETE", "/rest"), ("*", "/api/listing"), ("*", "/api/user_admin")},
        {("*", "/api/health")},
    ),
}


@pytest.mark.parametrize("framework", sorted(INTENT))
def test_the_listing_matches_what_the_app_means_to_protect(framework: str, tmp_path: Path) -> None:
    build, admin_only, open_routes = INTENT[framework]
    rows = collect(build(DEV, tmp_path, [TOKENS]))
    assert {(m, p) for m, p, s in rows if s is not None and s.roles} == admin_only
    assert {(m, p) for m, p, s in rows if s is None or s.is_public} == open_routes
