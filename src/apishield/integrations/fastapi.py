"""FastAPI / Starlette: middleware plus dependencies.

    shield = Shield(jwt_secret_env="APISHIELD_JWT_SECRET", cors_origins=["https://app.example.com"])
    app = FastAPI()
    shield.init_app(app)

    @app.get("/tasks")
    def tasks(principal: Principal = Depends(shield.require("tasks:read"))): ...

    @app.get("/health")
    @shield.public
    def health(): ...

The middleware runs the whole pipeline (deny-by-default: routes without ``shield.public`` need a principal)
before routing reaches the endpoint, WebSocket handshakes included. It resolves the request the way the
router will: through included routers (their prefixes and ``dependencies=[...]``), mounted Starlette apps,
``Host`` routes and plain ASGI mounts (protected unless marked ``shield.public(app)``; ``StaticFiles`` mounts
are public), and reads each route's requirements from its ``shield.require`` dependencies. The dependency
checks its own scopes and roles again wherever it is called and hands the principal to the handler; being
a FastAPI security scheme, it puts ``bearerAuth`` in the OpenAPI document, and every other protected
operation is marked with it too. Errors (the shield's, ``HTTPException``, request validation, unhandled exceptions) are
``application/problem+json`` without tracebacks or echoed input.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.exceptions import WebSocketException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Host, Match, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from apishield.errors import Reject, StoreError
from apishield.integrations._common import (
    debug_reason,
    development_settings,
    hint_docs_ui_csp,
    mode_was_given,
    scope_path,
)
from apishield.integrations.asgi import (
    DELEGATED,
    PRINCIPAL_KEY,
    ROUTE_KEY,
    Scope,
    ShieldASGIMiddleware,
    close_code,
    connection_view,
)
from apishield.request import RequestView
from apishield.shield import PUBLIC, CompiledRoute, Outcome, RouteSettings, requirement, settings_of
from apishield.shield.frontend import ShieldFrontend

log = logging.getLogger("apishield")

SCHEME_NAME = "bearerAuth"
_CHECKED_KEY = "apishield.checked"


class Requirement(SecurityBase):
    """``Depends(shield.require("tasks:read"))``: the authenticated principal, scopes and roles checked.

    The requirement checks its own scopes and roles wherever it is called (a route dependency, a router's
    ``dependencies=[...]``, a websocket endpoint, or awaited inline with the request): the principal the
    middleware authenticated is reused, and when there is none the caller is authenticated here.
    (The decorator form is ``@shield.protect("tasks:read")``; ``require`` is a dependency here.)
    """

    def __init__(self, shield: Shield, settings: RouteSettings) -> None:
        self.shield = shield
        self.settings = settings
        self.model = HTTPBearerModel(bearerFormat="JWT", description="JWT bearer token issued by this API")
        self.scheme_name = SCHEME_NAME
        #: the scopes and roles to hold (the fast path of the check on every call), None when there are none
        self._needs: tuple[frozenset[str], frozenset[str]] | None = (
            (frozenset(settings.scopes or ()), frozenset(settings.roles or ())) if settings.scopes or settings.roles
            else None
        )

    async def __call__(self, connection: HTTPConnection) -> Any:
        scope = connection.scope
        state = scope.get("state") or {}
        principal = state.get(PRINCIPAL_KEY) if state.get(_CHECKED_KEY) else None
        if principal is None:
            # no principal from the middleware (not installed, or the route is public there): authenticate
            core = self.shield.core
            outcome = core.process(connection_view(core, scope), core.compile(self.settings))
            if not outcome.allowed:
                if scope.get("type") == "websocket":
                    raise WebSocketException(close_code(outcome.status))
                raise _Refused(outcome)
            return outcome.principal
        settings = self.settings
        needs = self._needs
        if needs is not None and not _holds(principal, needs):
            try:  # refuse the way the shield does (event, 403, insufficient_scope challenge)
                self.shield.core.auth.authorize(principal, settings, connection_view(self.shield.core, scope))
            except Reject as reject:
                if scope.get("type") == "websocket":
                    raise WebSocketException(close_code(reject.status)) from None
                raise
        return principal


def _holds(principal: Any, needs: tuple[frozenset[str], frozenset[str]]) -> bool:
    """The principal has every scope and role of ``needs`` (the fast path of the check)."""
    scopes = getattr(principal, "scopes", ())
    roles = getattr(principal, "roles", ())
    try:
        if type(scopes) is not frozenset:  # a list, or a space-separated claim: compare names, never substrings
            scopes = frozenset(scopes.split() if isinstance(scopes, str) else scopes)
        if type(roles) is not frozenset:
            roles = frozenset(roles.split() if isinstance(roles, str) else roles)
    except TypeError:  # not a collection of names: the full check decides (and refuses)
        return False
    return needs[0] <= scopes and needs[1] <= roles


class _Refused(StarletteHTTPException):
    """A requirement's refusal outside the middleware: answered with the shield's outcome as it is."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.status, headers=dict(outcome.headers))
        self.outcome = outcome


class Shield(ShieldFrontend):
    """The FastAPI and Starlette adapter: a core :class:`apishield.shield.Shield` run by an ASGI middleware,
    with route settings resolved from the app's own router and ``shield.require`` dependencies."""

    def __init__(self, config: Any = None, **settings: Any) -> None:
        super().__init__(config, **settings)
        self._owns_store = settings.get("store") is None  # a store passed in is the caller's to close
        self._route_settings: dict[tuple[int, str], tuple[Any, RouteSettings]] = {}
        self._paths: dict[tuple[str, str, int], tuple[RouteSettings, str]] = {}
        self._host_routing: tuple[int, bool] | None = None  # (route count, app routes by Host header)
        self._app: Any = None
        self._listed = False

    def require(self, *scopes: str, roles: Any = (), **kw: Any) -> Any:
        """A dependency requiring a principal with ``scopes`` and ``roles``; it returns the principal."""
        return Requirement(self, requirement(scopes, roles, kw))

    def init_app(self, app: FastAPI) -> None:
        """Add the middleware, the problem+json exception handlers and the OpenAPI security scheme."""
        self._app = app
        config, settings = self._given
        extra = development_settings(
            self.core, debug_reason(bool(getattr(app, "debug", False))), mode_was_given(config, settings)
        )
        if extra is not None:  # FastAPI(debug=True) and no mode chosen
            self.reconfigure(over=extra)
        app.state.apishield = self
        app.add_middleware(ShieldASGIMiddleware, shield=self.core, resolver=self._resolve)
        app.add_exception_handler(Reject, self._reject_handler)
        app.add_exception_handler(StarletteHTTPException, self._http_handler)
        app.add_exception_handler(RequestValidationError, self._validation_handler)
        app.add_exception_handler(Exception, self._unhandled_handler)
        self._install_openapi(app)
        self._install_lifespan(app)
        warn_overlapping_middleware(app)
        if getattr(app, "debug", False):
            self.core.note_server(None, debug=True)

    # --- lifespan ---------------------------------------------------------------------------------
    def _install_lifespan(self, app: Any) -> None:
        """Wrap the app's lifespan: :meth:`startup` before the app's own start-up, :meth:`shutdown` after its
        own shutdown (``lifespan=`` functions and ``on_event`` handlers alike)."""
        router = getattr(app, "router", None)
        original = getattr(router, "lifespan_context", None)
        if original is None or getattr(original, "_apishield", False):
            return
        shield = self

        @contextlib.asynccontextmanager
        async def lifespan(asgi_app: Any) -> AsyncIterator[Any]:
            shield.startup(app)
            try:
                async with original(asgi_app) as state:
                    yield state
            finally:
                shield.shutdown()

        lifespan._apishield = True  # type: ignore[attr-defined]
        router.lifespan_context = lifespan  # type: ignore[union-attr]

    def startup(self, app: Any) -> None:
        """At the app's start-up: list the routes with their protection, warn about overlapping middleware,
        and read the store once, so that an unreachable Redis is reported before the first request."""
        if not self._listed:
            self._list_routes(app)
        warn_overlapping_middleware(app)
        try:
            self.store.get("apishield:startup-check")
        except StoreError as exc:
            log.warning(
                "apishield: the store did not answer at start-up (%s); requests meet rate_limit.on_store_error "
                "until it does",
                exc,
            )

    def _list_routes(self, app: Any) -> None:
        """Log the routes with their protection, and hint at docs pages the CSP would leave blank."""
        self._listed = True
        routes = self.routes_of(app)
        self.log_routes(routes)
        pages = [getattr(app, name, None) for name in ("docs_url", "redoc_url")]
        hint_docs_ui_csp(self.core, routes, known=[p for p in pages if p])

    def shutdown(self) -> None:
        """At the app's shutdown: close the store the shield opened from ``store_url`` (connections, files;
        a memory store is emptied). A store passed in with ``store=`` is left to its owner."""
        if self._owns_store:
            with contextlib.suppress(StoreError):
                self.store.close()

    # --- the resolve/respond protocol ----------------------------------------------------------------
    def resolve(self, request: Scope) -> tuple[CompiledRoute, RequestView]:
        """The compiled route the app's router serves for the ASGI ``scope`` and its view (the middleware's
        hot path makes the same calls inline)."""
        core = self.core
        path = scope_path(request)
        method = "GET" if request.get("type") == "websocket" else request.get("method", "GET")
        compiled = core.route_for(method, path, self._resolve(request))
        return compiled, connection_view(core, request, route=request["state"].get(ROUTE_KEY), path=path)

    def respond(self, outcome: Outcome, request: Scope) -> Response:
        """A refusal as a Starlette response."""
        return self._outcome_response(outcome)

    # --- route resolution -----------------------------------------------------------------------
    def _resolve(self, scope: Scope) -> RouteSettings | None:
        state = scope.setdefault("state", {})
        state[_CHECKED_KEY] = True
        if not self._listed and self._app is not None:
            self._list_routes(self._app)
            warn_overlapping_middleware(self._app)  # again: middleware added after the shield
        app = self._app or scope.get("app")
        router = getattr(app, "router", None)
        routes = getattr(router, "routes", None) or getattr(app, "routes", None) or []
        kind = "WS" if scope.get("type") == "websocket" else scope.get("method", "GET")
        path_key = (kind, scope.get("path", ""), len(routes))
        if self._host_routing is None or self._host_routing[0] != len(routes):
            self._host_routing = (len(routes), _has_host_routes(routes))
        hit = None if self._host_routing[1] else self._paths.get(path_key)
        if hit is not None:
            state[ROUTE_KEY] = hit[1]
            return hit[0]
        found = _match(routes, scope, "", self)
        if found is None:
            return _UNKNOWN  # the router answers 404/405 (rate limits and headers still apply); not cached
        route, template = found
        key = (id(route), kind)
        cached = self._route_settings.get(key)
        if cached is None or cached[0] is not route:
            cached = (route, self.route_settings(route))
            if len(self._route_settings) < _PATH_CACHE_SIZE:
                self._route_settings[key] = cached
        if len(self._paths) < _PATH_CACHE_SIZE and not self._host_routing[1]:
            self._paths[path_key] = (cached[1], template)
        state[ROUTE_KEY] = template
        return cached[1]

    def route_settings(self, route: Any) -> RouteSettings:
        """The endpoint's decorator settings merged with the ``shield.require`` dependencies it uses (its own
        and its routers'); a mounted or host-routed application: its own settings, public for static files,
        protected otherwise."""
        if _is_container(route):
            if _guarded_elsewhere(route, self):
                return DELEGATED
            app = getattr(route, "app", None)
            declared = settings_of(app) or settings_of(getattr(route, "_base_app", None))
            if declared is None and _is_static(route):
                declared = PUBLIC
            return declared or RouteSettings()
        endpoint = getattr(route, "endpoint", None)
        declared = settings_of(endpoint) if endpoint is not None else None
        dependant = getattr(route, "dependant", None)
        for needed in _requirements(dependant):
            declared = needed.settings if declared is None else declared.merged(needed.settings)
        return declared or RouteSettings()

    def routes_of(self, app: Any) -> list[tuple[str, str, RouteSettings]]:
        """(method, path, settings) for everything ``app`` serves: routes of included routers, WebSockets
        (method ``WS``), and for mounted or host-routed applications, their routes plus ``*`` for the rest."""
        out: list[tuple[str, str, RouteSettings]] = []
        for kind, shown, path, route in _served(getattr(app, "routes", []), "", "", self):
            if kind == "delegated":  # a mounted application with its own shield: its listing, under the prefix
                inner = _guarded_elsewhere(route, self)
                out.extend((m, shown + p, s) for m, p, s in inner.routes_of(route.app))
                continue
            settings = self.route_settings(route)
            if kind == "http":
                methods = sorted((getattr(route, "methods", None) or {"GET"}) - {"HEAD", "OPTIONS"})
                for method in methods:
                    out.append((method, shown, self.settings_for(method, path, settings)))
            else:
                out.append((kind, shown, self.settings_for("GET", path, settings)))
        return out

    # --- OpenAPI ----------------------------------------------------------------------------------
    def _install_openapi(self, app: FastAPI) -> None:
        if not hasattr(app, "openapi"):  # a Starlette app: no OpenAPI document to mark
            return
        original: Callable[[], dict[str, Any]] = app.openapi
        shield = self

        def openapi() -> dict[str, Any]:
            if app.openapi_schema:
                return app.openapi_schema
            schema = original()
            components = schema.setdefault("components", {})
            components.setdefault("securitySchemes", {})[SCHEME_NAME] = {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
            }
            paths = schema.get("paths", {})
            for method, path, settings in shield.routes_of(app):
                op = paths.get(path, {}).get(method.lower())
                if op is None or settings.is_public:
                    continue
                op.setdefault("security", [{SCHEME_NAME: []}])
                responses = op.setdefault("responses", {})
                responses.setdefault("401", {"description": "Authentication required (problem+json)"})
                if settings.scopes or settings.roles:
                    responses.setdefault("403", {"description": "Insufficient scope (problem+json)"})
            app.openapi_schema = schema
            return schema

        app.openapi = openapi  # type: ignore[method-assign,unused-ignore]

    # --- errors -----------------------------------------------------------------------------------
    def _outcome_response(self, outcome: Outcome) -> Response:
        return Response(content=outcome.body, status_code=outcome.status, headers=dict(outcome.headers))

    async def _reject_handler(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Reject)
        headers = list(exc.response_headers().items())
        return self._outcome_response(Outcome(False, None, headers, exc.status, exc.problem.body()))

    async def _http_handler(self, request: Request, exc: Exception) -> Response:
        if isinstance(exc, _Refused):
            return self._outcome_response(exc.outcome)
        status = getattr(exc, "status_code", 500)
        outcome = self.core.error_outcome(None, status)
        response = self._outcome_response(outcome)
        for name, value in (getattr(exc, "headers", None) or {}).items():
            if name.lower() in ("allow", "www-authenticate", "retry-after"):
                response.headers[name] = value
        return response

    async def _validation_handler(self, request: Request, exc: Exception) -> Response:
        errors = []
        for err in getattr(exc, "errors", lambda: [])()[:20]:
            errors.append({"loc": [str(p) for p in err.get("loc", ())], "type": str(err.get("type", ""))})
        reject = Reject(422, "The request does not match the expected shape.", extra={"errors": errors})
        return await self._reject_handler(request, reject)

    async def _unhandled_handler(self, request: Request, exc: Exception) -> Response:
        log.error("apishield: unhandled %s in %s %s", type(exc).__name__, request.method, request.url.path)
        return self._outcome_response(self.core.error_outcome(None, 500))


_OVERLAPS = {
    "starlette.middleware.cors": "Starlette's CORSMiddleware (CORS: the shield's cors_origins policy already "
    "answers; both would set headers)",
    "slowapi": "slowapi (rate limits: the shield limits already; requests would count twice)",
}
_warned: set[tuple[int, str]] = set()


def warn_overlapping_middleware(app: Any) -> list[str]:
    """Warn (once per app) about middleware doing a job the shield does on the same app. Returns them."""
    modules = [getattr(m.cls, "__module__", "") for m in getattr(app, "user_middleware", ())]
    limiter = getattr(getattr(app, "state", None), "limiter", None)
    if limiter is not None:
        modules.append(type(limiter).__module__)
    found = sorted({name for name in _OVERLAPS for module in modules if str(module).startswith(name)})
    for name in found:
        if (id(app), name) not in _warned:
            _warned.add((id(app), name))
            log.warning(
                "apishield: the app also uses %s; remove it or turn that part of the shield off", _OVERLAPS[name]
            )
    return found


_UNKNOWN = RouteSettings(public=True)
_PATH_CACHE_SIZE = 4096
_EFFECTIVE: dict[int, tuple[Sequence[Any], tuple[int, ...], list[Any]]] = {}
try:  # newer FastAPI keeps an included router as one route and expands it lazily
    from fastapi.routing import iter_route_contexts as _iter_route_contexts
except ImportError:  # older FastAPI copies the included routes into the app's list
    _iter_route_contexts = None  # type: ignore[assignment,unused-ignore]


def _guarded_elsewhere(route: Any, shield: Any) -> Any:
    """The other apishield adapter installed on the application a ``Mount``/``Host`` hands requests to (its
    middleware guards them), or None."""
    for app in (getattr(route, "_base_app", None), getattr(route, "app", None)):
        other = getattr(getattr(app, "state", None), "apishield", None)
        if other is not None and other is not shield and callable(getattr(other, "routes_of", None)):
            return other
    return None


def _match(routes: Sequence[Any], scope: Scope, prefix: str, shield: Any = None) -> tuple[Any, str] | None:
    """The route (or mounted application) the router hands ``scope`` to, with its path template.

    Routers are walked the way Starlette walks them: the first full match wins, else the first partial
    one (a 405); a ``Mount`` or ``Host`` that matches takes the request whole, so when none of its own
    routes matches, the mounted application itself answers (and its settings apply: deny-by-default).
    """
    partial: tuple[Any, str] | None = None
    for route in _effective(routes):
        match, child = route.matches(scope)
        if match == Match.NONE:
            continue
        if _is_container(route):
            base = prefix + _container_prefix(route)
            if _guarded_elsewhere(route, shield):
                return route, base + "/*"  # its own shield decides, route by route
            inner = route.routes
            found = _match(inner, {**scope, **child}, base, shield) if inner else None
            return found or (route, base + "/*")
        if match == Match.FULL:
            return route, prefix + getattr(route, "path", "")
        if partial is None:
            partial = (route, prefix + getattr(route, "path", ""))
    return partial


def _served(routes: Sequence[Any], prefix: str, host: str, shield: Any = None) -> Iterator[tuple[str, str, str, Any]]:
    """(kind, listed path, path, route) for everything served under ``routes``; kind is ``http``, ``WS``,
    ``*`` (the rest of a mounted or host-routed application) or ``delegated`` (a mounted application that
    another shield guards; the listed path is its prefix)."""
    for route in _effective(routes):
        if _is_container(route):
            base = prefix + _container_prefix(route)
            inner_host = host or (getattr(route, "host", "") if _is_host(route) else "")
            if _guarded_elsewhere(route, shield):
                yield "delegated", inner_host + base, base, route
                continue
            inner = route.routes
            if inner:
                yield from _served(inner, base, inner_host, shield)
            yield "*", inner_host + base + "/*", base + "/*", route
            continue
        path = prefix + getattr(route, "path", "")
        original = getattr(route, "original_route", route)
        if isinstance(original, WebSocketRoute):
            yield "WS", host + path, path, route
        elif isinstance(original, Route) or getattr(route, "dependant", None) is not None:
            yield "http", host + path, path, route


def _effective(routes: Sequence[Any]) -> list[Any]:
    """The routes a router really tries, in order: FastAPI's included routers expanded into their
    effective routes (prefixes and router dependencies applied); plain lists as they are."""
    if _iter_route_contexts is None:
        return list(routes)
    key = id(routes)
    version = _routes_version(routes)
    hit = _EFFECTIVE.get(key)
    if hit is not None and hit[0] is routes and hit[1] == version:
        return hit[2]
    expanded = list(_iter_route_contexts(routes))
    if len(_EFFECTIVE) >= _PATH_CACHE_SIZE:
        _EFFECTIVE.clear()
    _EFFECTIVE[key] = (routes, version, expanded)
    return expanded


def _routes_version(routes: Sequence[Any]) -> tuple[int, ...]:
    """Changes when routes are added anywhere under ``routes`` (to it or to an included router)."""
    parts = [len(routes)]
    for route in routes:
        router = getattr(route, "original_router", None)
        versioned = getattr(router, "_get_routes_version", None)
        if versioned is not None:
            parts.append(versioned())
    return tuple(parts)


def _original(route: Any) -> Any:
    return getattr(route, "original_route", route)


def _is_container(route: Any) -> bool:
    return isinstance(_original(route), Mount | Host)


def _is_host(route: Any) -> bool:
    return isinstance(_original(route), Host)


def _container_prefix(route: Any) -> str:
    return "" if _is_host(route) else str(getattr(route, "path", ""))


def _is_static(route: Any) -> bool:
    """A mount of Starlette's ``StaticFiles`` (itself, or wrapped in the mount's middleware)."""
    return isinstance(getattr(route, "_base_app", None) or getattr(route, "app", None), StaticFiles)


def _has_host_routes(routes: Sequence[Any]) -> bool:
    """True when routing depends on the Host header (then matches are not cached by path)."""
    for route in _effective(routes):
        if _is_host(route):
            return True
        if _is_container(route) and _has_host_routes(route.routes):
            return True
    return False


def _requirements(dependant: Any) -> list[Requirement]:
    found: list[Requirement] = []
    stack = [dependant] if dependant is not None else []
    while stack:
        current = stack.pop()
        call = getattr(current, "call", None)
        if isinstance(call, Requirement):
            found.append(call)
        stack.extend(getattr(current, "dependencies", ()) or ())
    return found


__all__ = ["SCHEME_NAME", "Requirement", "Shield", "warn_overlapping_middleware"]
