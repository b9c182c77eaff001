"""The shield: the library's guards composed into one pipeline, configured once, framework-free.

``Shield(config).process(view, route) -> Outcome`` runs, in order::

    https → security headers → CORS → rate limit → authentication/authorization → CSRF → validation → yours

Each step is the library's own guard (:mod:`apishield.web.headers`, :mod:`apishield.web.cors`,
:mod:`apishield.ratelimit.guard`, :mod:`apishield.auth.authenticators`, :mod:`apishield.web.csrf`,
:mod:`apishield.web.validation`), built from the configuration (:mod:`apishield.shield.build`) or passed in
``Shield(guards=[...])``: a guard of a built-in kind takes that step's place, any other object with
``check(view)`` (and optionally ``for_route(settings)``) runs after validation, in the order given. A guard
allows by returning (an :class:`~apishield.guard.Allow` may carry headers or a principal) and refuses by
raising :class:`~apishield.errors.Reject`.

Deny-by-default: a route needs an authenticated principal unless its :class:`RouteSettings` say
``public=True``. Every guard compiles its per-route copy once (``for_route``), so the per-request path is a
handful of attribute reads plus the store round trip and, on a cache miss, one signature check.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from apishield import events
from apishield.auth.authenticators import SESSION_STATE_KEY, AuthGuard, RouteAuth
from apishield.auth.outage import FailClosed
from apishield.config import ShieldConfig, load
from apishield.errors import PROBLEM_CONTENT_TYPE, ConfigError, Reject, StoreError
from apishield.guard import Allow
from apishield.ratelimit.guard import TOO_MANY, EventThrottle, RateLimitGuard
from apishield.ratelimit.headers import retry_after_value
from apishield.request import RequestView, TrustedProxies
from apishield.shield import build
from apishield.shield.http import Header, Outcome, problem_outcome
from apishield.shield.settings import (
    PROTECTED,
    PUBLIC,
    SAFE_METHODS,
    RouteSettings,
    RouteTable,
    _strs,
    requirement,
    with_settings,
)
from apishield.stores.ahead import ReadAhead, reading
from apishield.web.cors import CORSGuard, RouteCORS
from apishield.web.csrf import CSRFProtect
from apishield.web.headers import HeaderTable, SecurityHeaders
from apishield.web.validation import RequestValidator

log = logging.getLogger("apishield")

F = TypeVar("F", bound=Callable[..., Any])
_IDENTITY_CACHE_SIZE = 10_000
_PIPELINE_HEADERS = frozenset(
    {
        "vary",
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-expose-headers",
        "ratelimit",
        "ratelimit-policy",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    }
)
_BUILT_IN = (SecurityHeaders, CORSGuard, RateLimitGuard, AuthGuard, CSRFProtect, RequestValidator)


@dataclass(slots=True)
class CompiledRoute:
    """Every guard's copy for one route's settings (built once by :meth:`Shield.compile`)."""

    settings: RouteSettings
    public: bool
    cors: RouteCORS | None
    rate_limit: RateLimitGuard | None
    auth: RouteAuth | None
    csrf: CSRFProtect | None
    validation: RequestValidator
    headers: HeaderTable
    guards: tuple[Any, ...]
    #: an unsafe request to this route may need its body read (a body schema, or a form-posted CSRF token)
    may_read_body: bool = True


_CompiledRoute = CompiledRoute  # the name adapters knew


class Shield:
    """One configured pipeline. Thread-safe; build one per application at start-up.

    ``Shield(config=None, **settings)``: ``config`` is a :class:`ShieldConfig`, a mapping or a TOML path;
    keyword settings override it (``Shield(jwt_secret_env="APISHIELD_JWT_SECRET", cors_origins=[...])``).
    Components (``authenticators``, a ready ``store``, a ``clock``) can be passed in directly, and
    ``guards=[...]`` adds guards (or replaces a built-in one with your own instance of its class).
    """

    def __init__(
        self,
        config: ShieldConfig | Mapping[str, Any] | str | None = None,
        *,
        authenticators: Sequence[Any] | None = None,
        guards: Sequence[Any] = (),
        store: Any = None,
        clock: Callable[[], float] | None = None,
        **settings: Any,
    ) -> None:
        self.config = load(config, **settings) if (config is not None or settings) else load(ShieldConfig())
        cfg = self.config
        self.proxies = TrustedProxies(cfg.trusted_proxies)
        self.https_action = cfg.https_action
        #: development mode never sends a loopback client (the developer's own browser or curl) to https
        self._loopback_plain_http = not cfg.production
        self.routes = RouteTable({k: v for k, v in cfg.routes.items()})
        self._has_routes = bool(self.routes)
        self._clock = clock
        self.store: Any = store if store is not None else _open_store(cfg.store_url, clock)
        given: dict[type, Any] = {kind: next((g for g in guards if isinstance(g, kind)), None) for kind in _BUILT_IN}
        self.guards: tuple[Any, ...] = tuple(g for g in guards if not isinstance(g, _BUILT_IN))
        for guard in self.guards:
            if not callable(getattr(guard, "check", None)):
                raise ConfigError(f"Shield guards: {guard!r} has no check(view) method")
        self.sessions: Any = build.session_manager(cfg, self.store, clock)
        self.penalties: Any = build.penalty_box(cfg, self.store)
        self.security_headers: SecurityHeaders | None = given[SecurityHeaders] or build.security_headers(cfg)
        #: the header table of routes without overrides
        self.headers: HeaderTable = (
            self.security_headers.table if self.security_headers is not None else HeaderTable.empty()
        )
        self.cors_guard: CORSGuard = given[CORSGuard] or build.cors_guard(cfg)
        self.rate_limit: RateLimitGuard | None = given[RateLimitGuard] or build.rate_limit_guard(
            cfg, self.store, self.penalties, clock
        )
        self.auth: AuthGuard = given[AuthGuard] or build.auth_guard(
            cfg, authenticators, store=self.store, sessions=self.sessions, penalties=self.penalties, clock=clock
        )
        self.csrf: CSRFProtect | None = given[CSRFProtect] or build.csrf_guard(cfg, self.sessions)
        self.validation: RequestValidator = given[RequestValidator] or build.request_validator(cfg)
        self._limit_by_ip = cfg.rate_limit.key != "principal"
        #: one throttle for the pipeline's own events (shared with the rate limiter's when there is one)
        self.events: EventThrottle = self.rate_limit.events if self.rate_limit is not None else EventThrottle()
        if given[AuthGuard] is None:
            self.auth.events = self.events  # one throttle, on the shield's clock
        self.fail_closed = FailClosed("shield.store_error", "This service is briefly unavailable; try again shortly.",
                                      self.events)
        #: every header name an *allowed* outcome can carry (lower case), for the adapters' fast header merge
        self.emitted_headers: frozenset[str] = self.headers.names | _PIPELINE_HEADERS
        self._compiled: dict[int, tuple[RouteSettings, CompiledRoute]] = {}
        self._compiled_by_value: dict[RouteSettings, CompiledRoute] = {}
        self._merged: dict[tuple[int, int], tuple[RouteSettings, RouteSettings, RouteSettings]] = {}
        self._lock = threading.Lock()
        self._warned_dev_server = False
        #: set once the serving software has been looked at (adapters skip the call afterwards)
        self.server_checked = False

    # --- per-route compilation --------------------------------------------------------------
    def compile(self, settings: RouteSettings | None) -> CompiledRoute:
        """Every guard's copy for ``settings``, built once and cached (settings objects are long-lived)."""
        settings = settings or PROTECTED
        hit = self._compiled.get(id(settings))
        if hit is not None and hit[0] is settings:
            return hit[1]
        try:
            by_value = self._compiled_by_value.get(settings)
        except TypeError:  # unhashable parts (a dict schema): identity cache only
            by_value = None
        if by_value is not None:
            if len(self._compiled) < _IDENTITY_CACHE_SIZE:  # transient settings objects must not pile up
                with self._lock:
                    self._compiled[id(settings)] = (settings, by_value)
            return by_value
        user_guards = []
        for guard in self.guards:
            for_route = getattr(guard, "for_route", None)
            routed = for_route(settings) if for_route is not None else guard
            if routed is not None:
                user_guards.append(routed)
        csrf = self.csrf.for_route(settings) if self.csrf is not None else None
        validation = self.validation.for_route(settings)
        compiled = CompiledRoute(
            settings=settings,
            public=settings.is_public,
            cors=self.cors_guard.for_route(settings),
            rate_limit=self.rate_limit.for_route(settings) if self.rate_limit is not None else None,
            auth=self.auth.for_route(settings),
            csrf=csrf,
            validation=validation,
            headers=self._route_headers(settings),
            guards=tuple(user_guards),
            may_read_body=csrf is not None or validation.reads_body,
        )
        with self._lock:
            if len(self._compiled) < _IDENTITY_CACHE_SIZE:
                self._compiled[id(settings)] = (settings, compiled)
            with contextlib.suppress(TypeError):  # unhashable settings: the identity cache above suffices
                self._compiled_by_value[settings] = compiled
        return compiled

    def route_for(self, method: str, path: str, declared: RouteSettings | None = None) -> CompiledRoute:
        """``compile(settings_for(method, path, declared))``: the adapters' per-request call, answered from the
        identity cache when no config pattern applies and the declared settings were compiled before."""
        settings = self.settings_for(method, path, declared) if self._has_routes else (declared or PROTECTED)
        hit = self._compiled.get(id(settings))
        if hit is not None and hit[0] is settings:
            return hit[1]
        return self.compile(settings)

    def _route_headers(self, settings: RouteSettings) -> HeaderTable:
        """The security-header table for a route: the shield's own, or a copy with the route's overrides."""
        table = self.headers.for_route(settings)
        if not table.names <= self.emitted_headers:
            with self._lock:
                self.emitted_headers = self.emitted_headers | table.names
        return table

    def settings_for(self, method: str, path: str, declared: RouteSettings | None = None) -> RouteSettings:
        """Config-file settings for the path, overridden by the settings the route itself declares."""
        from_config = self.routes.lookup(method, path) if self._has_routes else None
        if from_config is None:
            return declared or PROTECTED
        if declared is None:
            return from_config
        key = (id(from_config), id(declared))
        memo = self._merged.get(key)
        if memo is not None and memo[0] is from_config and memo[1] is declared:
            return memo[2]
        merged = from_config.merged(declared)
        if len(self._merged) < _IDENTITY_CACHE_SIZE:
            with self._lock:
                self._merged[key] = (from_config, declared, merged)
        return merged

    # --- the pipeline -------------------------------------------------------------------------
    def process(self, view: RequestView, route: RouteSettings | CompiledRoute | None = None) -> Outcome:
        """Decide on one request. Never raises for bad input: every refusal becomes an Outcome."""
        compiled = route if isinstance(route, CompiledRoute) else self.compile(route)
        https = view.scheme == "https"
        if (
            not https
            and self.https_action != "off"
            and not (self._loopback_plain_http and _is_loopback(view.client_ip))
        ):
            return self._plain_http(view)
        extra: list[Header] = []
        principal: Any = None
        try:
            cors = compiled.cors
            if cors is not None:
                origin = view.headers.get("origin")
                if origin is None:
                    extra.extend(cors.vary)
                elif view.method == "OPTIONS" and view.headers.get("access-control-request-method") is not None:
                    extra.extend(cors.preflight(view))
                    extra.extend(compiled.headers.table[(False, https)])
                    return Outcome(False, None, extra, 204, b"")
                else:
                    allowed = cors.simple(origin, view.method)
                    if allowed is None:
                        extra.extend(cors.vary)
                        self._note_cors(view)
                    else:
                        extra.extend(allowed)
            auth_method: str | None = None
            limiter = compiled.rate_limit
            auth = compiled.auth
            ahead = None
            if limiter is not None and self._limit_by_ip:
                if auth is not None and auth.guard.reads_ahead:
                    ahead = _read_ahead(auth, view, limiter)
                extra.extend(limiter.admit(view, ahead))
            elif limiter is None and self.penalties is not None:
                self._refuse_banned(view)  # bans cover routes without limits too
            if auth is not None:
                if ahead is not None and ahead.found is not None:
                    with reading(ahead):  # what authentication reads was fetched with the limits
                        principal, auth_method = auth.authenticate(view)
                else:
                    principal, auth_method = auth.authenticate(view)
            if limiter is not None and not self._limit_by_ip:  # by principal; anonymous callers by address
                extra.extend(limiter.admit(view))
            if view.method not in SAFE_METHODS:
                csrf = compiled.csrf
                if csrf is not None and not csrf.exempts(auth_method):
                    self._check_csrf(csrf, view, auth_method)
                compiled.validation.admit(view)
            for guard in compiled.guards:
                allow = guard.check(view)
                if isinstance(allow, Allow):
                    extra.extend(allow.headers.items())
                    if allow.principal is not None and principal is None:
                        principal = allow.principal
                elif isinstance(allow, Reject):  # the contract is to raise; a returned Reject still refuses
                    raise allow
        except Reject as reject:
            return self._finish(view, reject, extra, https, authenticated=principal is not None, table=compiled.headers)
        except StoreError as exc:  # a lookup in a guard or authenticator of yours: fail closed, never a 500
            unavailable = self.fail_closed(exc)
            return self._finish(view, unavailable, extra, https, authenticated=False, table=compiled.headers)
        extra += compiled.headers.table[(principal is not None, https)]
        return Outcome(True, principal, extra)

    def _refuse_banned(self, view: RequestView) -> None:
        """429 for a banned client on a route without rate limits (those check bans in their own call)."""
        try:
            remaining = self.penalties.banned_for(view.client_ip)
        except StoreError as exc:  # like the rate limiter's default: a ban check that cannot run lets through
            self.events.emit("penalty.store_error", level=logging.ERROR, path=view.path, error=type(exc).__name__)
            return
        if remaining is not None:
            self.events.emit("penalty.refused", level=logging.INFO, path=view.path, client_ip=view.client_ip)
            raise Reject(429, TOO_MANY, headers={"Retry-After": retry_after_value(remaining)})

    def _check_csrf(self, csrf: CSRFProtect, view: RequestView, auth_method: str | None) -> None:
        """The session token for session-authenticated requests; the origin checks alone for anonymous ones
        (a public login route must not accept a cross-site form: login CSRF) and other credentials."""
        if auth_method == "session":
            session = view.state.get(SESSION_STATE_KEY)
            csrf.check(
                view,
                session_id=view.cookies.get(self.sessions.cookie_name) if self.sessions is not None else None,
                auth_method="session",
                expected_token=getattr(session, "csrf_token", None),
            )
        else:
            csrf.check(view, auth_method=auth_method)

    def _finish(
        self,
        view: RequestView,
        reject: Reject,
        extra: list[Header],
        https: bool,
        *,
        authenticated: bool,
        table: HeaderTable | None = None,
    ) -> Outcome:
        security = (table or self.headers).table[(authenticated, https)]
        return problem_outcome(reject, extra, security, head=view.method == "HEAD")

    def _plain_http(self, view: RequestView) -> Outcome:
        """Production mode over plain HTTP: redirect safe requests to https, refuse the rest."""
        host = view.headers.get("host")
        if self.https_action == "redirect" and view.method in ("GET", "HEAD") and host and _HOST.match(host):
            # re-encode: the decoded path may hold characters (CR, LF, spaces) that cannot go in a header
            path = quote(view.path, safe="/:@!$&'()*+,;=-._~")
            query = quote(view.query_string, safe="/:@!$&'()*+,;=-._~?%")
            location = f"https://{host}{path}" + (f"?{query}" if query else "")
            headers = [("Location", location), ("Content-Type", PROBLEM_CONTENT_TYPE)]
            reject = Reject(308, "This API is only served over HTTPS.", title="HTTPS Required")
            headers.extend(self.headers.table[(False, False)])
            return Outcome(False, None, headers, 308, b"" if view.method == "HEAD" else reject.problem.body())
        events.emit("https.refused", method=view.method, path=view.path, client_ip=view.client_ip)
        reject = Reject(403, "This API is only served over HTTPS; use an https:// URL.", title="HTTPS Required")
        return self._finish(view, reject, [], False, authenticated=False)

    def _note_cors(self, view: RequestView) -> None:
        """A cross-origin request from an origin the policy does not list (same-origin requests excepted)."""
        origin = view.origin or ""
        host = view.headers.get("host") or ""
        if origin.partition("://")[2] == host:
            return
        events.emit(
            "cors.refused",
            logging.INFO,
            method=view.method,
            path=view.path,
            origin=origin[:200],
            client_ip=view.client_ip,
        )

    # --- tokens ---------------------------------------------------------------------------------
    @property
    def api_keys(self) -> Any:
        """The :class:`~apishield.auth.apikeys.APIKeyManager` (create, list, revoke keys), or None."""
        for authenticator in self.auth.authenticators:
            found = getattr(authenticator, "manager", None)
            if found is not None:
                return found
        return None

    @property
    def jwt(self) -> Any:
        """The configured :class:`~apishield.auth.jwt.JWTAuth`, or None when no JWT key is configured."""
        for authenticator in self.auth.authenticators:
            found = getattr(authenticator, "jwt", None)
            if found is not None:
                return found
        return None

    def issue_token(self, subject: str, scopes: Iterable[str] = (), ttl: int = 900) -> str:
        """A bearer token for ``subject`` signed with the shield's JWT key (for login endpoints and demos)."""
        jwt = self.jwt
        if jwt is None:
            raise ConfigError("issue_token needs a JWT key: set jwt_secret_env (or jwt_secret) in the shield config")
        return str(jwt.issue(subject, scopes=tuple(scopes), ttl=ttl))

    # --- decorators: per-route settings (framework adapters read them) --------------------------
    def public(self, fn: F) -> F:
        """Mark a view public: no authentication (rate limits, CORS and headers still apply)."""
        return with_settings(fn, PUBLIC)

    def require(self, *scopes: str, roles: Iterable[str] = (), **kw: Iterable[str]) -> Callable[[F], F]:
        """Require an authenticated principal holding all ``scopes`` (and all ``roles``).

        ``require("tasks:read")`` and ``require(scopes=["tasks:read"], roles=["admin"])`` are the same.
        """
        settings = requirement(scopes, roles, kw)
        return lambda fn: with_settings(fn, settings)

    def protect(self, *scopes: str, roles: Iterable[str] = (), **kw: Iterable[str]) -> Callable[[F], F]:
        """The decorator form of :meth:`require` (FastAPI's ``require`` is a dependency instead)."""
        return Shield.require(self, *scopes, roles=roles, **kw)

    def limit(self, *limits: str) -> Callable[[F], F]:
        """Rate limits for this route instead of the defaults, e.g. ``limit("5/minute", "100/day")``."""
        settings = RouteSettings(limits=_strs(limits, "limit"))
        self._check_limits(settings.limits or ())
        return lambda fn: with_settings(fn, settings)

    def cors(self, policy: Any) -> Callable[[F], F]:
        """A CORS policy for this route (a :class:`~apishield.web.cors.CORSPolicy` or its settings dict)."""
        settings = RouteSettings(cors=policy)
        self.cors_guard.for_route(settings)  # validate now, at import time
        return lambda fn: with_settings(fn, settings)

    def csrf_exempt(self, fn: F) -> F:
        """Skip the CSRF check on this route (e.g. a webhook authenticated by a signature)."""
        return with_settings(fn, RouteSettings(csrf_exempt=True))

    def validate(self, schema: Any) -> Callable[[F], F]:
        """Validate the JSON request body of unsafe methods against ``schema`` (JSON Schema or pydantic)."""
        settings = RouteSettings(body_schema=schema)
        self.validation.for_route(settings)  # validate now, at import time
        return lambda fn: with_settings(fn, settings)

    def route_headers(self, overrides: Mapping[str, str | None]) -> Callable[[F], F]:
        """Security-header overrides for this route, e.g. a CSP that lets an HTML docs page load its script:
        ``route_headers({"Content-Security-Policy": "default-src 'self'", "X-Frame-Options": None})``
        (``None`` removes a header). Compiled once per route; the request path stays a table look-up."""
        settings = RouteSettings(headers=overrides)  # type: ignore[arg-type]  # a mapping, normalised to pairs
        return lambda fn: with_settings(fn, settings)

    def _check_limits(self, limits: Sequence[str]) -> None:
        from apishield.ratelimit.limiter import compile_limits

        compile_limits(tuple(limits))

    # --- helpers for adapters -------------------------------------------------------------------
    def needs_body(self, compiled: CompiledRoute, view: RequestView) -> bool:
        """True when the pipeline must see the request body (a body schema, or a form-posted CSRF token)."""
        if not compiled.may_read_body or view.method in SAFE_METHODS:
            return False
        if compiled.validation.reads_body:
            return True
        if compiled.csrf is not None:
            ctype = view.headers.get("content-type") or ""
            return ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
        return False

    def too_large(self, view: RequestView) -> Outcome:
        """The answer to a body larger than ``validation.max_body_size``."""
        reject = Reject(413, "The request body is larger than this API accepts.")
        return self._finish(view, reject, [], view.scheme == "https", authenticated=False)

    def error_outcome(self, view: RequestView | None, status: int, detail: str = "") -> Outcome:
        """A problem+json answer for errors raised by the application or the framework (no traceback)."""
        reject = Reject(status, detail)
        if view is None:
            return problem_outcome(reject)
        return self._finish(view, reject, [], view.scheme == "https", authenticated=False)

    def request_view(
        self,
        method: str,
        path: str,
        headers: Any,
        *,
        peer: str,
        scheme: str,
        query_string: str = "",
        route: str | None = None,
        body: bytes | None = None,
    ) -> RequestView:
        """A :class:`RequestView` with client address and scheme resolved through the trusted proxies."""
        proxies = self.proxies
        if proxies.networks:
            client = proxies.client_ip(peer, headers)
            scheme = proxies.scheme(peer, scheme, headers)
        else:
            client = peer
        return RequestView(
            method=method,
            path=path,
            headers=headers,
            client_ip=client,
            scheme=scheme,
            route=route,
            query_string=query_string,
            body=body,
        )

    def note_server(self, server_software: str | None, debug: bool = False) -> None:
        """Warn once when the application is served by a framework's development server or in debug mode."""
        if self._warned_dev_server or not self.config.warn_debug_server:
            self.server_checked = True  # nothing left to say: adapters skip the call from now on
            return
        if not debug:
            if self.server_checked:
                return  # one server per process: look at the first request only
            self.server_checked = True
        software = (server_software or "").lower()
        dev = software.startswith(("werkzeug", "wsgiserver", "simplehttp")) or debug
        if dev:
            self._warned_dev_server = True
            what = "debug mode" if debug else f"a development server ({server_software})"
            log.warning(
                "apishield: the application runs with %s; serve it with gunicorn, waitress, uvicorn or "
                "CherryPy's server and debug off (README: 'HTTPS, proxies and safe serving')",
                what,
            )
            events.emit("server.development", server=server_software or "", debug=debug)

    def log_routes(self, routes: Iterable[tuple[str, str, RouteSettings]]) -> list[str]:
        """Log one line per route (``METHOD path: protected|public ...``) and return the lines."""
        lines = [f"{method} {path}: {settings.describe()}" for method, path, settings in routes]
        for line in lines:
            log.info("apishield route %s", line)
        return lines


def _read_ahead(auth: RouteAuth, view: RequestView, limiter: RateLimitGuard) -> ReadAhead | None:
    """The sets of the rate limiter's store that authentication will read for ``view`` (fetched with the
    limits: one round trip per authenticated request), or None."""
    store = limiter.limiter.store
    kind = type(store)  # a store of your own written before hit_and_read, or one with no round trip to save
    if not hasattr(kind, "hit_and_read") or not getattr(kind, "read_ahead", True):
        return None
    keys = [key for owner, key in auth.guard.store_reads(view) if owner is store]
    return ReadAhead(store, keys) if keys else None


@functools.lru_cache(maxsize=256)
def _is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool((mapped or ip).is_loopback)


def _open_store(url: str, clock: Callable[[], float] | None) -> Any:
    from apishield.stores import from_url

    return from_url(url, **({"clock": clock} if clock is not None else {}))


_HOST = re.compile(r"\A[A-Za-z0-9.\-]+(:[0-9]{1,5})?\Z|\A\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?\Z")

__all__ = ["CompiledRoute", "Shield"]
