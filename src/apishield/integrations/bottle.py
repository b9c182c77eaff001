"""Bottle plugin: ``app.install(Shield(...))``.

    shield = Shield(jwt_secret_env="APISHIELD_JWT_SECRET")
    app.install(shield)

    @app.get("/health", apishield={"public": True})     # per-route settings in the route config
    def health(): ...

    @app.get("/tasks")
    @shield.require("tasks:read")                       # or the decorators
    def tasks(): ...

Every route is protected unless marked public. ``skip=["apishield"]`` removes the plugin from one route
entirely (it is then listed as *unshielded*); ``apply=[shield]`` applies it to single routes of an app that
does not install it globally. Routes of Bottle apps mounted (``app.mount("/sub/", child)``) or merged
(``app.merge(child)``) into an app with the shield take it too, although Bottle gives them only the child's
plugins; a mounted WSGI application (where Bottle skips every plugin) is guarded as one protected route
unless marked ``shield.public(wsgi_app)``. The principal is ``bottle.request.environ["apishield.principal"]``.
Errors are answered as ``application/problem+json`` (Bottle's HTML error page, and its traceback, never reach clients).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import bottle

from apishield.integrations._common import vary_missing, view_from_environ
from apishield.integrations.wsgi import PRINCIPAL_KEY
from apishield.request import RequestView
from apishield.shield import PUBLIC, CompiledRoute, Outcome, RouteSettings, settings_of
from apishield.shield.frontend import ShieldFrontend

log = logging.getLogger("apishield")

CONFIG_KEY = "apishield"


class Shield(ShieldFrontend):
    """The Bottle adapter, a Bottle plugin (API v2) holding a core :class:`apishield.shield.Shield`."""

    name = "apishield"
    api = 2

    def __init__(self, config: Any = None, **settings: Any) -> None:
        super().__init__(config, **settings)
        self._apps: list[bottle.Bottle] = []
        self._covered: dict[int, tuple[bottle.Bottle, int]] = {}  # id(app) -> (app, routes covered)

    # --- plugin API ----------------------------------------------------------------------------
    def setup(self, app: bottle.Bottle) -> None:
        """Called by ``app.install``: answer errors as problem+json and list the routes on first request."""
        self._apps.append(app)
        app.default_error_handler = self._error_page
        app.add_hook("before_request", functools.partial(self._first_request, app))
        self.cover(app)
        if bottle.DEBUG:
            self.core.note_server(None, debug=True)

    def apply(self, callback: Callable[..., Any], route: bottle.Route) -> Callable[..., Any]:
        core = self.core
        compiled = core.compile(self.route_settings(route))

        @functools.wraps(callback)
        def shielded(*args: Any, **kwargs: Any) -> Any:
            req = bottle.request
            environ = req.environ
            view = view_from_environ(core, environ, route=route.rule)
            if core.needs_body(compiled, view):
                if (req.content_length or 0) > core.config.validation.max_body_size:
                    return self.respond(core.too_large(view), req)
                view.body = req.body.read()
                req.body.seek(0)
            outcome = core.process(view, compiled)
            if not outcome.allowed:
                return self.respond(outcome, req)
            environ[PRINCIPAL_KEY] = outcome.principal
            try:
                result = callback(*args, **kwargs)
            except bottle.HTTPResponse as exc:
                _add_headers(exc, outcome.headers)
                raise
            if isinstance(result, bottle.HTTPResponse):
                _add_headers(result, outcome.headers)
            else:
                _add_headers(bottle.response, outcome.headers)
            return result

        return shielded

    def close(self) -> None:
        """Plugin API: called on uninstall."""

    # --- the resolve/respond protocol ----------------------------------------------------------
    def resolve(self, request: bottle.BaseRequest) -> tuple[CompiledRoute, RequestView]:
        """The compiled route Bottle matched for ``request`` and its view (the plugin's hot path compiles
        each route once, in :meth:`apply`)."""
        route = request.environ.get("bottle.route")
        core = self.core
        settings = self.route_settings(route) if route is not None else PUBLIC
        rule = route.rule if route is not None else None
        return core.compile(settings), view_from_environ(core, request.environ, route=rule)

    def respond(self, outcome: Outcome, request: bottle.BaseRequest) -> bottle.HTTPResponse:
        """A refusal as Bottle's answer."""
        return _http_response(outcome)

    def cover(self, app: bottle.Bottle) -> None:
        """Put the shield on every route ``app`` serves that its own plugin list does not reach.

        Bottle takes a route's plugins from ``route.app``: routes of a mounted or merged child app get the
        child's plugins, not this app's. Those routes get the shield as a route plugin (unless the child has
        one, or the route skips it); a mounted WSGI application, which Bottle runs with every plugin skipped,
        gets its callback wrapped. Runs at install, before each request when routes were added, and before
        listing, so the listing is what runs.
        """
        routes = app.routes
        if self._covered.get(id(app)) == (app, len(routes)):
            return
        for route in routes:
            if _mount_target(route) is not None:
                if not getattr(route.callback, _COVERED, False):
                    guarded = self.apply(route.callback, route)
                    setattr(guarded, _COVERED, self)
                    route.callback = guarded
                    route.reset()
            elif route.app is not app and _shield_of(route) is None and not self._skipped(route):
                route.plugins.append(self)
                route.reset()
        self._covered[id(app)] = (app, len(routes))

    def _skipped(self, route: bottle.Route) -> bool:
        return any(s is True or s is self or s == self.name or s is type(self) for s in route.skiplist)

    # --- settings ------------------------------------------------------------------------------
    def route_settings(self, route: bottle.Route) -> RouteSettings:
        """Config patterns, then the route's ``apishield=`` config, then the callback's decorators."""
        declared: RouteSettings | None = None
        raw = route.config.get(CONFIG_KEY)
        if isinstance(raw, RouteSettings):
            declared = raw
        else:
            # Bottle's ConfigDict flattens apishield={"public": True} into "apishield.public"
            # (and nested tables such as a body schema into "apishield.body_schema.properties...")
            prefix = CONFIG_KEY + "."
            flat = _unflatten({k[len(prefix) :]: v for k, v in route.config.items() if k.startswith(prefix)})
            if isinstance(raw, dict):
                flat.update(raw)
            if flat:
                declared = RouteSettings.from_mapping(flat, f"route {route.method} {route.rule}")
        target = _mount_target(route)
        own = settings_of(route.callback if target is None else target)
        if own is not None:
            declared = own if declared is None else declared.merged(own)
        return self.settings_for(route.method, route.rule, declared)

    def routes_of(self, app: bottle.Bottle) -> list[tuple[str, str, RouteSettings | None]]:
        """(method, rule, settings) per route, as they run; settings are None where no shield runs.

        A mounted WSGI application is one row, method ``*``.
        """
        self.cover(app)
        out: list[tuple[str, str, RouteSettings | None]] = []
        for route in app.routes:
            shield = _shield_of(route)
            method = "*" if route.method == "PROXY" else route.method
            out.append((method, route.rule, None if shield is None else shield.route_settings(route)))
        return out

    # --- internals -----------------------------------------------------------------------------
    def _first_request(self, app: bottle.Bottle) -> None:
        if self._covered.get(id(app)) != (app, len(app.routes)):
            self.cover(app)
        environ = bottle.request.environ
        self.core.note_server(environ.get("SERVER_SOFTWARE"), debug=bottle.DEBUG)
        if not getattr(app, "_apishield_listed", False):
            app._apishield_listed = True  # type: ignore[attr-defined,unused-ignore]
            self._list_routes(app)
        requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
        if environ.get("REQUEST_METHOD") == "OPTIONS" and requested and environ.get("HTTP_ORIGIN"):
            # a CORS preflight: Bottle has no OPTIONS routes, so answer it here for the route it asks about
            try:
                route, _ = app.router.match({**environ, "REQUEST_METHOD": str(requested).upper()})
                settings = self.route_settings(route)
            except bottle.HTTPError:
                settings = PUBLIC
            view = view_from_environ(self.core, environ)
            raise _http_response(self.core.process(view, self.core.compile(settings)))

    def _list_routes(self, app: bottle.Bottle) -> None:
        listed = []
        for method, rule, settings in self.routes_of(app):
            if settings is None:
                log.warning("apishield route %s %s: UNSHIELDED (plugin skipped)", method, rule)
            else:
                listed.append((method, rule, settings))
        self.log_routes(listed)

    def _error_page(self, error: bottle.HTTPError) -> bytes:
        """Bottle's default error handler, replaced: problem+json, security headers, no traceback."""
        environ = bottle.request.environ
        view = view_from_environ(self.core, environ) if environ else None
        outcome = self.core.error_outcome(view, error.status_code)
        response = bottle.response
        for name in ("Content-Type", "Content-Length"):
            if name in response:
                del response[name]
        _add_headers(response, outcome.headers, override=True)
        return outcome.body


_COVERED = "_apishield_covered"


def _mount_target(route: bottle.Route) -> Any:
    """The WSGI application a ``mount`` route hands requests to (None for ordinary routes)."""
    return route.config.get("mountpoint.target") if route.method == "PROXY" else None


def _shield_of(route: bottle.Route) -> Shield | None:
    """The shield that runs on ``route``: a wrapped mount callback's, or the apishield plugin Bottle applies."""
    if _mount_target(route) is not None:
        wrapped = getattr(route.callback, _COVERED, False)
        return wrapped if isinstance(wrapped, Shield) else None
    for plugin in route.all_plugins():
        if isinstance(plugin, Shield):
            return plugin
    return None


def _unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    """Rebuild the nested dicts Bottle's ConfigDict flattened into dotted keys."""
    out: dict[str, Any] = {}
    for key in sorted(flat):
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = flat[key]
    return out


def _http_response(outcome: Any) -> bottle.HTTPResponse:
    response = bottle.HTTPResponse(body=outcome.body, status=outcome.status)
    for name, value in outcome.headers:
        response.add_header(name, value)
    return response


def _add_headers(target: bottle.BaseResponse, headers: list[tuple[str, str]], override: bool = False) -> None:
    for name, value in headers:
        if override or name not in target.headers:
            target.set_header(name, value)
        elif name.lower() == "vary":
            current = target.get_header(name) or ""
            missing = vary_missing([current], value)
            if missing:
                target.set_header(name, f"{current}, {missing}" if current.strip() else missing)


def principal() -> Any:
    """The principal the shield authenticated for the current Bottle request."""
    return bottle.request.environ.get(PRINCIPAL_KEY)


__all__ = ["CONFIG_KEY", "Shield", "principal"]
