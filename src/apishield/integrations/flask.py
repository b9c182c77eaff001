"""Flask extension: ``Shield(app)`` or ``shield.init_app(app)``.

    shield = Shield(app, jwt_secret_env="APISHIELD_JWT_SECRET", cors_origins=["https://app.example.com"])

    @app.get("/health")
    @shield.public
    def health(): ...

    @app.get("/tasks")
    @shield.require("tasks:read")
    @shield.limit("5/minute")
    def tasks():
        return {"owner": g.principal.subject}

Blueprints take settings for all their routes with :meth:`Shield.blueprint`; the settings follow the
blueprint object wherever it is registered (nested in another blueprint, or registered again under another
``name=``). Every route needs authentication unless marked public; the static-file routes Flask itself adds
for the app's and the blueprints' static folders are public (recognised by their view, not their name).
The principal is ``flask.g.principal``. Errors (the shield's and Flask's own 4xx/5xx) are answered as
``application/problem+json``; a traceback never reaches the client.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from contextvars import ContextVar
from typing import Any

from flask import Blueprint, Flask, Response, g, request
from flask.ctx import RequestContext
from flask.globals import _cv_request
from werkzeug.exceptions import HTTPException

from apishield.auth.authenticators import store_reader
from apishield.errors import ConfigError
from apishield.integrations._common import (
    debug_reason,
    development_settings,
    hint_docs_ui_csp,
    mode_was_given,
    view_from_environ,
)
from apishield.integrations.wsgi import PRINCIPAL_KEY, guarded_call
from apishield.integrations.wsgi import respond as wsgi_respond
from apishield.request import RequestView
from apishield.shield import PUBLIC, CompiledRoute, Outcome, RouteSettings, settings_of
from apishield.shield import Shield as _CoreShield
from apishield.shield.frontend import ShieldFrontend

log = logging.getLogger("apishield")

EXTENSION_KEY = "apishield"


class Shield(ShieldFrontend):
    """The apishield Flask extension: a core :class:`apishield.shield.Shield` run around ``app.wsgi_app``.

    The pipeline runs at the WSGI layer, before Flask builds its request context: routes are resolved with
    the app's own URL map (cached per method and path for matched routes), refusals are answered without
    entering Flask, and the response headers are merged into the raw header list.
    """

    def __init__(self, app: Flask | None = None, config: Any = None, **settings: Any) -> None:
        if settings.get("authenticators"):
            settings["authenticators"] = [_in_flask_context(a) for a in settings["authenticators"]]
        super().__init__(config, **settings)
        self._app_config: dict[str, Any] | None = None  # the APISHIELD_* keys this shield was configured from
        self._blueprints: dict[Blueprint | str, RouteSettings] = {}
        self._listed: set[int] = set()
        self._list_lock = threading.Lock()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Install the shield on ``app``: the WSGI layer, ``g.principal`` and problem+json error handlers.

        ``app.config`` keys ``APISHIELD_<SETTING>`` (``APISHIELD_MODE``, ``APISHIELD_CORS_ORIGINS``,
        ``APISHIELD_RATE_LIMIT_ENABLED``...) configure the shield, under the constructor's arguments;
        ``APISHIELD_ENABLED = False`` leaves the app unshielded (for tests). Error handlers the app registered
        for ``HTTPException`` or ``Exception`` are kept; the shield's own refusals are problem+json anyway.
        """
        self._configure_from(app)
        self._detect_development(app)
        app.extensions[EXTENSION_KEY] = self
        app.app_ctx_globals_class = _globals_with_principal(app.app_ctx_globals_class)
        if not app.config.get("APISHIELD_ENABLED", True):
            log.warning("apishield: disabled for app %r (APISHIELD_ENABLED is false): no route is guarded", app.name)
            return
        in_context = any(isinstance(a, _InFlaskContext) for a in self.auth.authenticators)
        app.wsgi_app = _FlaskLayer(app.wsgi_app, self, app, in_context=in_context)  # type: ignore[method-assign,unused-ignore]
        if in_context:
            _share_request_context(app)
        own = app.error_handler_spec.get(None, {}).get(None, {})
        if HTTPException not in own:
            app.register_error_handler(HTTPException, self._http_error)
        if Exception not in own:
            app.register_error_handler(Exception, self._unhandled)
        warn_overlapping_extensions(app)
        if app.debug:
            self.core.note_server(None, debug=True)

    def _configure_from(self, app: Flask) -> None:
        """Rebuild the configuration with the app's ``APISHIELD_*`` keys (once; one shield, one config)."""
        keys = {
            k[len(_PREFIX) :].lower(): v
            for k, v in app.config.items()
            if k.startswith(_PREFIX) and k != _PREFIX + "ENABLED"
        }
        if self._app_config is not None:
            if keys and keys != self._app_config:
                raise ConfigError(
                    f"apishield: app {app.name!r} has other APISHIELD_* settings than the app this shield was "
                    "configured from; create one Shield per configuration"
                )
            return
        if not keys:
            return
        self.reconfigure(under=keys)
        self._app_config = keys

    def _detect_development(self, app: Flask) -> None:
        """Development mode, announced loudly, for an app in debug (``FLASK_DEBUG=1``, ``flask run --debug``,
        ``app.debug = True`` before ``init_app``) when no mode was chosen anywhere."""
        config, settings = self._given
        keys = self._app_config or {}
        chosen = mode_was_given(config, settings, keys) or _PREFIX + "MODE" in app.config
        extra = development_settings(self.core, debug_reason(app.debug, "FLASK_DEBUG"), chosen)
        if extra is not None:
            self.reconfigure(under=keys, over=extra)

    def blueprint(self, bp: Blueprint | str, settings: RouteSettings | None = None, **kw: Any) -> None:
        """Settings for every route of ``bp`` (``public=``, ``scopes=``, ``roles=``, ``limits=``, ...).

        ``bp`` is the blueprint (its settings hold under every name it is registered with, nested or not) or
        a registered name (``"api.admin"``, ``"admin_v2"``) for one registration only.
        """
        name = bp if isinstance(bp, str) else bp.name
        extra = settings or RouteSettings.from_mapping(kw, f"blueprint {name}")
        current = self._blueprints.get(bp)
        self._blueprints[bp] = extra if current is None else current.merged(extra)

    # --- route settings ---------------------------------------------------------------------------
    def route_settings(self, app: Flask, endpoint: str | None, rule: str, method: str) -> RouteSettings:
        """Config patterns, then blueprint settings (outer to inner), then the view's own decorators."""
        if endpoint is None:
            return PUBLIC
        view = app.view_functions.get(endpoint)
        if is_static_view(view):
            # Flask's (and blueprints') static-file routes serve public assets by design; a routes pattern in
            # the config may still protect them
            routes = self.core.routes
            configured = routes.lookup(method, rule) if routes else None
            return PUBLIC if configured is None else PUBLIC.merged(configured)
        declared: RouteSettings | None = None
        parts = endpoint.split(".")[:-1]
        for depth in range(1, len(parts) + 1):
            registered = ".".join(parts[:depth])  # "api", then "api.admin": outer to inner
            blueprint: Any = app.blueprints.get(registered)
            for key in (blueprint, registered):
                bp_settings = self._blueprints.get(key) if key is not None else None
                if bp_settings is not None:
                    declared = bp_settings if declared is None else declared.merged(bp_settings)
        own = _view_settings(view, method)
        if own is not None:
            declared = own if declared is None else declared.merged(own)
        return self.settings_for(method, rule, declared)

    def routes_of(self, app: Flask) -> list[tuple[str, str, RouteSettings]]:
        """Every (method, rule, settings) of ``app``, for the start-up listing and ``apishield routes``.

        Rules bound to a host or a subdomain show it in front of the path (``admin.example.com/``).
        """
        out = []
        server = app.config.get("SERVER_NAME") or ""
        for rule in app.url_map.iter_rules():
            host = rule.host or (f"{rule.subdomain}.{server}" if rule.subdomain else "")
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                settings = self.route_settings(app, rule.endpoint, rule.rule, method)
                out.append((method, host + rule.rule, settings))
        return out

    # --- errors ------------------------------------------------------------------------------------
    def _http_error(self, exc: HTTPException) -> Response:
        status = exc.code or 500
        if 300 <= status < 400:  # routing redirects (a missing trailing slash) stay redirects
            redirect = exc.get_response()
            return Response(redirect.get_data(), status=redirect.status_code, headers=list(redirect.headers.items()))
        response = _response(self.core.error_outcome(None, status))
        allow = exc.get_response().headers.get("Allow") if status == 405 else None
        if allow:
            response.headers["Allow"] = allow
        return response

    def _unhandled(self, exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            return self._http_error(exc)
        log.exception("apishield: unhandled error in %s %s", request.method, request.path)
        return _response(self.core.error_outcome(None, 500))

    def _list_routes(self, app: Flask) -> None:
        with self._list_lock:
            if id(app) in self._listed:
                return
            self._listed.add(id(app))
        routes = self.routes_of(app)
        self.log_routes(routes)
        hint_docs_ui_csp(self.core, routes)
        warn_overlapping_extensions(app)  # again: extensions set up after the shield


class _FlaskLayer:
    """The WSGI layer around ``app.wsgi_app`` that runs the shield: the Flask side of the resolve/respond
    protocol (:class:`~apishield.shield.frontend.Frontend`), the request being ``(environ, start_response)``."""

    _CACHE_SIZE = 4096

    def __init__(self, wsgi_app: Any, shield: Shield, app: Flask, *, in_context: bool = True) -> None:
        self.wsgi_app = wsgi_app
        #: an authenticator runs inside Flask's context: the app and environ are published around the pipeline
        self.in_context = in_context
        self.shield = shield
        self.app = app
        #: the core the caches below were compiled by (the adapter may rebuild its core)
        self._core = shield.core
        self._routes: dict[tuple[str, str, str], tuple[Any, str | None]] = {}
        self._unknown: tuple[Any, str | None] | None = None
        #: routes depend on the Host header (host matching or subdomains); fixed by Flask's constructor
        self._by_host = bool(app.url_map.host_matching or app.subdomain_matching)
        self._started = False

    @property
    def core(self) -> _CoreShield:
        return self.shield.core

    def _route(self, environ: dict[str, Any]) -> tuple[Any, str | None]:
        """(compiled route, rule template) for this request, via Flask's URL map; unknown paths are public
        (Flask answers 404/405 itself, with headers and rate limits applied)."""
        host = environ.get("HTTP_HOST", "") if self._by_host else ""
        key = (environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", ""), host)
        hit = self._routes.get(key)
        if hit is not None:  # Flask refuses new routes once it has served a request: the cache stays valid
            return hit
        app = self.app
        core = self._core
        try:
            adapter = app.create_url_adapter(app.request_class(environ))
            if adapter is None:
                raise LookupError
            rule, _ = adapter.match(return_rule=True)
        except (HTTPException, LookupError):
            unknown: tuple[Any, str | None] = self._unknown or (core.compile(PUBLIC), None)
            self._unknown = unknown
            return unknown  # not cached: junk paths must not push real routes out
        method = key[0]
        settings = self.shield.route_settings(app, rule.endpoint, rule.rule, "GET" if method == "HEAD" else method)
        hit = (core.compile(settings), rule.rule)
        if len(self._routes) < self._CACHE_SIZE:
            self._routes[key] = hit
        return hit

    def resolve(self, request: tuple[dict[str, Any], Any]) -> tuple[CompiledRoute, RequestView]:
        """The compiled route (Flask's URL map decides, cached per method, path and host) and the view."""
        environ = request[0]
        if self.shield.core is not self._core:  # the adapter rebuilt its core: compiled routes are stale
            self._core, self._routes, self._unknown = self.shield.core, {}, None
        # the route cache, looked up here for the usual hit (the same key as _route)
        hit = self._routes.get((
            environ.get("REQUEST_METHOD", "GET"),
            environ.get("PATH_INFO", ""),
            environ.get("HTTP_HOST", "") if self._by_host else "",
        ))
        compiled, template = hit if hit is not None else self._route(environ)
        return compiled, view_from_environ(self._core, environ, route=template)

    def respond(self, outcome: Outcome, request: tuple[dict[str, Any], Any]) -> list[bytes]:
        """A refusal as the WSGI answer."""
        return wsgi_respond(outcome, request[1])

    def _start_up(self, environ: dict[str, Any]) -> None:
        """First request: list the routes (once per app) and look at the serving software."""
        app = self.app
        self._by_host = bool(app.url_map.host_matching or app.subdomain_matching)
        if id(app) not in self.shield._listed:
            self.shield._list_routes(app)
        self.shield.core.note_server(environ.get("SERVER_SOFTWARE"), debug=app.debug)
        self._started = True

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not self._started:
            self._start_up(environ)
        compiled, view = self.resolve((environ, start_response))
        core = self._core
        if not self.in_context:  # apishield's own authenticators only: no Flask context to share
            return guarded_call(core, compiled, view, environ, start_response, self.wsgi_app)
        token = _SERVING.set((self.app, environ))
        try:
            return guarded_call(core, compiled, view, environ, start_response, self.wsgi_app)
        finally:
            _SERVING.reset(token)
            ctx = environ.pop(_CTX_KEY, None)
            if ctx is not None and ctx.early:  # refused after authentication: Flask never took the context
                ctx.early = False
                ctx.pop()


# --- authenticators inside Flask's context ---------------------------------------------------------
_CTX_KEY = "apishield.flask.request_context"
#: the app and environ the Flask layer is serving in this thread/task (set around the pipeline only)
_SERVING: ContextVar[tuple[Flask, dict[str, Any]] | None] = ContextVar("apishield_flask_serving", default=None)


class _EarlyRequestContext(RequestContext):
    """The request's one Flask request context, pushed early for an authenticator and then handed to Flask.

    Flask's ``wsgi_app`` receives it from ``app.request_context`` (see :func:`_share_request_context`): its
    ``push`` then only takes the context over, and its ``pop`` ends it (teardown once, with Flask's error). One
    ``Request``, one session and one ``g`` serve the authenticator and the view.
    """

    early = False

    def push(self) -> None:
        if self.early:  # Flask pushing the context the shield pushed already: it is current; Flask owns it now
            self.early = False
            return
        super().push()


class _InFlaskContext:
    """An authenticator given to the Flask shield, run inside the app's app and request context, so that
    ``flask.request``, ``flask.g``, ``flask.session``, ``current_app`` and Flask-Login's ``current_user`` work
    in it. The context is pushed only when an authenticator actually runs, and it is the one the view gets."""

    __slots__ = ("auth_method", "inner", "store_reads")

    def __init__(self, inner: Any) -> None:
        if not callable(getattr(inner, "authenticate", None)):
            raise ConfigError(f"Shield authenticators: {inner!r} has no authenticate(view) method")
        self.inner = inner
        self.store_reads = store_reader(inner)  # what the shield may fetch ahead for it (needs no Flask context)
        self.auth_method = (
            getattr(inner, "auth_method", None) or getattr(inner, "scheme", None) or type(inner).__name__.lower()
        )

    def authenticate(self, view: Any) -> Any:
        serving = _SERVING.get()
        if serving is not None:
            app, environ = serving
            if _CTX_KEY not in environ:
                ctx = _EarlyRequestContext(app, environ)
                ctx.push()
                ctx.early = True
                environ[_CTX_KEY] = ctx
        return self.inner.authenticate(view)

    def __repr__(self) -> str:
        return f"{self.inner!r} (in the Flask request context)"


def _in_flask_context(authenticator: Any) -> Any:
    """The authenticator run inside Flask's context; apishield's own authenticators need none."""
    if type(authenticator).__module__.startswith("apishield."):
        return authenticator
    return _InFlaskContext(authenticator)


def _share_request_context(app: Flask) -> None:
    """Make ``app.request_context(environ)`` return the context an authenticator pushed for that environ."""
    if getattr(app.request_context, "_apishield", False):
        return
    original = app.request_context

    def request_context(environ: dict[str, Any]) -> RequestContext:
        ctx = environ.get(_CTX_KEY)
        if isinstance(ctx, _EarlyRequestContext) and ctx.early:
            return ctx
        return original(environ)

    request_context._apishield = True  # type: ignore[attr-defined]
    app.request_context = request_context  # type: ignore[method-assign]


def _globals_with_principal(base: type[Any]) -> type[Any]:
    """``flask.g`` with a ``principal`` attribute read from the request the shield processed."""
    if getattr(base, "_apishield", False):
        return base

    def _get(self: Any) -> Any:
        if "principal" in self.__dict__:
            return self.__dict__["principal"]
        ctx = _cv_request.get(None)
        return ctx.request.environ.get(PRINCIPAL_KEY) if ctx is not None else None

    def _set(self: Any, value: Any) -> None:
        self.__dict__["principal"] = value

    return type("ShieldGlobals", (base,), {"principal": property(_get, _set), "_apishield": True})


_PREFIX = "APISHIELD_"
_OVERLAPS = {
    "flask_cors": "flask-cors (CORS: the shield's cors_origins policy already answers; both would set headers)",
    "flask_talisman": "Flask-Talisman (security headers and HTTPS: the shield sets them already)",
    "flask_limiter": "Flask-Limiter (rate limits: the shield limits already; requests would count twice)",
}
_warned: set[tuple[int, str]] = set()


def warn_overlapping_extensions(app: Flask) -> list[str]:
    """Warn (once per app and extension) about extensions doing a job the shield does on the same app: the
    first to answer wins silently, e.g. flask-cors reflecting any origin with credentials. Returns them."""
    found: set[str] = set()
    hooks = [*app.before_request_funcs.get(None, ()), *app.after_request_funcs.get(None, ())]
    for fn in hooks:
        module = getattr(fn, "__module__", None) or type(getattr(fn, "__self__", None)).__module__
        found.update(name for name in _OVERLAPS if str(module).startswith(name))
    for ext in app.extensions.values():
        module = type(ext).__module__ if ext is not None else ""
        found.update(name for name in _OVERLAPS if module.startswith(name))
    for name in sorted(found):
        if (id(app), name) not in _warned:
            _warned.add((id(app), name))
            log.warning("apishield: app %r also uses %s; remove it or turn that part of the shield off", app.name,
                        _OVERLAPS[name])
    return sorted(found)


def is_static_view(view: Any) -> bool:
    """True for the views Flask registers for static folders: the app's (a closure Flask builds in its
    constructor, recognised by its code) and a blueprint's (its bound ``send_static_file``)."""
    if view is None:
        return False
    if inspect.ismethod(view):
        return view.__name__ == "send_static_file" and isinstance(view.__self__, Flask | Blueprint)
    return getattr(view, "__code__", None) is _app_static_code()


@functools.cache
def _app_static_code() -> Any:
    probe = Flask("apishield-static-probe", static_folder="static")
    return getattr(probe.view_functions.get("static"), "__code__", None)


def _view_settings(view: Any, method: str) -> RouteSettings | None:
    if view is None:
        return None
    own = settings_of(view)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method_fn = getattr(view_class, method.lower(), None)
        for candidate in (settings_of(view_class), settings_of(method_fn) if method_fn else None):
            if candidate is not None:
                own = candidate if own is None else own.merged(candidate)
    return own


def _response(outcome: Outcome) -> Response:
    response = Response(outcome.body, status=outcome.status, headers=outcome.headers)
    if outcome.status == 204:
        response.headers.pop("Content-Type", None)
    return response


def current_principal() -> Any:
    """The principal the shield authenticated for this request (``None`` on public routes)."""
    return getattr(g, "principal", None)


__all__ = ["EXTENSION_KEY", "Shield", "current_principal", "is_static_view", "warn_overlapping_extensions"]
