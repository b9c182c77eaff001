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
before routing reaches the endpoint; it reads each route's requirements from its ``shield.require``
dependencies, so scopes are checked once. The dependency hands the principal to the handler, and, being a
FastAPI security scheme, puts ``bearerAuth`` in the OpenAPI document; every other protected operation is
marked with it too. Errors (the shield's, ``HTTPException``, request validation, unhandled exceptions) are
``application/problem+json`` without tracebacks or echoed input.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Host, Match, Mount, Route

from apishield.errors import Reject
from apishield.integrations._common import view_from_scope
from apishield.integrations.asgi import PRINCIPAL_KEY, ROUTE_KEY, Scope, ShieldASGIMiddleware
from apishield.shield import Outcome, RouteSettings, requirement, settings_of
from apishield.shield import Shield as _CoreShield

log = logging.getLogger("apishield")

SCHEME_NAME = "bearerAuth"
_CHECKED_KEY = "apishield.checked"


class Requirement(SecurityBase):
    """``Depends(shield.require("tasks:read"))``: the authenticated principal, scopes checked.

    (The decorator form is ``@shield.protect("tasks:read")``; ``require`` is a dependency here.)
    """

    def __init__(self, shield: Shield, settings: RouteSettings) -> None:
        self.shield = shield
        self.settings = settings
        self.model = HTTPBearerModel(bearerFormat="JWT", description="JWT bearer token issued by this API")
        self.scheme_name = SCHEME_NAME

    async def __call__(self, request: Request) -> Any:
        state = request.scope.get("state") or {}
        if state.get(_CHECKED_KEY):
            principal = state.get(PRINCIPAL_KEY)
            if principal is not None:
                # the middleware read this requirement from the route's dependency tree and checked it
                return principal
        # middleware not installed (or route public there): authenticate here
        view = view_from_scope(self.shield, request.scope)
        principal, _ = self.shield.auth.authenticate(view, self.settings)
        return principal


class Shield(_CoreShield):
    """A :class:`apishield.shield.Shield` for FastAPI and Starlette apps."""

    def __init__(self, config: Any = None, **settings: Any) -> None:
        super().__init__(config, **settings)
        self._route_settings: dict[tuple[int, str], RouteSettings] = {}
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
        app.state.apishield = self
        app.add_middleware(ShieldASGIMiddleware, shield=self, resolver=self._resolve)
        app.add_exception_handler(Reject, self._reject_handler)
        app.add_exception_handler(StarletteHTTPException, self._http_handler)
        app.add_exception_handler(RequestValidationError, self._validation_handler)
        app.add_exception_handler(Exception, self._unhandled_handler)
        self._install_openapi(app)
        if getattr(app, "debug", False):
            self.note_server(None, debug=True)

    # --- route resolution -----------------------------------------------------------------------
    def _resolve(self, scope: Scope) -> RouteSettings | None:
        state = scope.setdefault("state", {})
        state[_CHECKED_KEY] = True
        if not self._listed and self._app is not None:
            self._listed = True
            self.log_routes(self.routes_of(self._app))
        app = self._app or scope.get("app")
        router = getattr(app, "router", None)
        routes = getattr(router, "routes", None) or getattr(app, "routes", None) or []
        method = scope.get("method", "GET")
        path_key = (method, scope.get("path", ""), len(routes))
        if self._host_routing is None or self._host_routing[0] != len(routes):
            self._host_routing = (len(routes), _has_host_routes(routes))
        hit = None if self._host_routing[1] else self._paths.get(path_key)
        if hit is not None:
            state[ROUTE_KEY] = hit[1]
            return hit[0]
        found = _match(routes, scope)
        if found is None:
            return _UNKNOWN  # the router answers 404/405 (rate limits and headers still apply); not cached
        route, template = found
        key = (id(route), method)
        cached = self._route_settings.get(key)
        if cached is None:
            cached = self.route_settings(route)
            self._route_settings[key] = cached
        if len(self._paths) < _PATH_CACHE_SIZE and not self._host_routing[1]:
            self._paths[path_key] = (cached, template)
        state[ROUTE_KEY] = template
        return cached

    def route_settings(self, route: BaseRoute) -> RouteSettings:
        """The endpoint's decorator settings merged with the ``shield.require`` dependencies it uses."""
        endpoint = getattr(route, "endpoint", None)
        declared = settings_of(endpoint) if endpoint is not None else None
        dependant = getattr(route, "dependant", None)
        for needed in _requirements(dependant):
            declared = needed.settings if declared is None else declared.merged(needed.settings)
        return declared or RouteSettings()

    def routes_of(self, app: Any) -> list[tuple[str, str, RouteSettings]]:
        out = []
        for route in _flatten(getattr(app, "routes", [])):
            path = getattr(route, "path", "")
            methods = sorted((getattr(route, "methods", None) or {"GET"}) - {"HEAD", "OPTIONS"})
            settings = self.settings_for(methods[0] if methods else "GET", path, self.route_settings(route))
            for method in methods:
                out.append((method, path, settings))
        return out

    # --- OpenAPI ----------------------------------------------------------------------------------
    def _install_openapi(self, app: FastAPI) -> None:
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
        status = getattr(exc, "status_code", 500)
        outcome = self.error_outcome(None, status)
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
        return self._outcome_response(self.error_outcome(None, 500))


_UNKNOWN = RouteSettings(public=True)
_PATH_CACHE_SIZE = 4096


def _match(routes: list[BaseRoute], scope: Scope) -> tuple[BaseRoute, str] | None:
    partial: tuple[BaseRoute, str] | None = None
    for route in routes:
        match, child = route.matches(scope)
        if match == Match.NONE:
            continue
        if isinstance(route, Mount):
            inner = _match(route.routes, {**scope, **child})
            if inner is not None:
                return inner
            continue
        if match == Match.FULL:
            return route, getattr(route, "path", "")
        if partial is None:
            partial = (route, getattr(route, "path", ""))
    return partial


def _has_host_routes(routes: list[BaseRoute]) -> bool:
    """True when routing depends on the Host header (then matches are not cached by path)."""
    for route in routes:
        if isinstance(route, Host):
            return True
        if isinstance(route, Mount) and _has_host_routes(route.routes):
            return True
    return False


def _flatten(routes: list[BaseRoute]) -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for route in routes:
        if isinstance(route, Mount):
            out.extend(_flatten(route.routes))
        elif isinstance(route, Route) or hasattr(route, "dependant"):
            out.append(route)
    return out


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


__all__ = ["SCHEME_NAME", "Requirement", "Shield"]
