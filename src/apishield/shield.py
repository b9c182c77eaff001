"""The shield: every protection composed into one pipeline, configured once, framework-free.

``Shield(config).process(view, route) -> Outcome`` runs, in order::

    https → security headers → CORS → rate limit → authentication/authorization → CSRF → validation

and answers either *allow* (the principal, plus headers to add to the application's response) or a
complete terminal response (a problem+json rejection, a CORS preflight answer, an HTTPS redirect).
Framework adapters in :mod:`apishield.integrations` only translate requests and responses.

Deny-by-default: a route needs an authenticated principal unless its :class:`RouteSettings` say
``public=True``. Everything that can be decided at start-up is (header lists, limit parsing, CORS origin
sets, per-route guards are compiled on first sight and cached), so the per-request path is a handful of
dict look-ups plus the store round trip and, on a cache miss, one signature check.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

from apishield import events
from apishield.config import ShieldConfig, load
from apishield.errors import PROBLEM_CONTENT_TYPE, ConfigError, Reject
from apishield.integrations.stages import (
    AuthStage,
    CORSStage,
    CSRFStage,
    HeaderStage,
    RateLimitStage,
    ValidationStage,
    build_auth,
    build_cors,
    build_csrf,
    build_headers,
    build_penalties,
    build_rate_limit,
    build_sessions,
    build_validation,
)
from apishield.request import RequestView, TrustedProxies
from apishield.web.headers import validated_headers

log = logging.getLogger("apishield")

Header = tuple[str, str]
F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@dataclass(frozen=True, slots=True)
class RouteSettings:
    """What one route (or a group of routes: a blueprint, a path pattern) asks of the shield.

    ``None`` means "inherit": :meth:`merged` lets a more specific setting override a broader one.
    """

    public: bool | None = None
    scopes: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    limits: tuple[str, ...] | None = None
    cors: Any = None
    csrf_exempt: bool | None = None
    body_schema: Any = None
    #: security-header overrides for this route: name -> value, ``None`` removes the header. A mapping is
    #: accepted and stored as sorted (name, value) pairs so the settings stay hashable.
    headers: tuple[tuple[str, str | None], ...] | None = None

    def __post_init__(self) -> None:
        if self.headers is not None:
            given: Any = self.headers
            pairs = given.items() if isinstance(given, Mapping) else given
            try:
                checked = validated_headers(dict(pairs), "route headers")
            except (TypeError, ValueError) as exc:
                raise ConfigError("route headers: expected a mapping of header name to value (or None)") from exc
            object.__setattr__(self, "headers", tuple(sorted(checked.items(), key=lambda kv: kv[0].lower())))

    def merged(self, specific: RouteSettings | None) -> RouteSettings:
        """These settings overridden by the non-inherited parts of ``specific`` (scopes/roles add up)."""
        if specific is None or specific is self:
            return self
        return RouteSettings(
            public=self.public if specific.public is None else specific.public,
            scopes=_union(self.scopes, specific.scopes),
            roles=_union(self.roles, specific.roles),
            limits=self.limits if specific.limits is None else specific.limits,
            cors=self.cors if specific.cors is None else specific.cors,
            csrf_exempt=self.csrf_exempt if specific.csrf_exempt is None else specific.csrf_exempt,
            body_schema=self.body_schema if specific.body_schema is None else specific.body_schema,
            headers=_merge_header_overrides(self.headers, specific.headers),
        )

    @property
    def is_public(self) -> bool:
        return bool(self.public)

    def describe(self) -> str:
        """A one-line human summary for the start-up route listing."""
        if self.is_public:
            parts = ["public"]
        else:
            parts = ["protected"]
            if self.scopes:
                parts.append("scopes=" + ",".join(self.scopes))
            if self.roles:
                parts.append("roles=" + ",".join(self.roles))
        if self.limits is not None:
            parts.append("limits=" + (",".join(self.limits) or "none"))
        if self.csrf_exempt:
            parts.append("csrf-exempt")
        if self.body_schema is not None:
            parts.append("body-schema")
        if self.headers:
            parts.append("headers=" + ",".join(name for name, _ in self.headers))
        return " ".join(parts)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "route") -> RouteSettings:
        """Settings from a config table: ``{public, scopes, roles, limits|limit, csrf_exempt, body_schema, cors,
        headers}`` (``headers``: security-header overrides, an empty string removes a header in TOML)."""
        known = {"public", "scopes", "roles", "limits", "limit", "csrf_exempt", "body_schema", "cors", "headers"}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(
                f"apishield config: {where}: unknown route settings {sorted(unknown)}; known: {sorted(known)}"
            )
        limits = data.get("limits", data.get("limit"))
        return cls(
            public=_opt_bool(data.get("public"), where),
            scopes=_strs(data.get("scopes", ()), where),
            roles=_strs(data.get("roles", ()), where),
            limits=None if limits is None else _strs(limits, where),
            cors=data.get("cors"),
            csrf_exempt=_opt_bool(data.get("csrf_exempt"), where),
            body_schema=data.get("body_schema"),
            headers=_header_table(data.get("headers"), where),
        )


def _header_table(value: Any, where: str) -> Any:
    """A config ``headers`` table; TOML has no null, so an empty string there means "remove the header"."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError(f"apishield config: {where}: headers must be a table of header name = value")
    return {k: (None if v == "" else v) for k, v in value.items()}


def _merge_header_overrides(
    broad: tuple[tuple[str, str | None], ...] | None, specific: tuple[tuple[str, str | None], ...] | None
) -> tuple[tuple[str, str | None], ...] | None:
    if specific is None:
        return broad
    if broad is None:
        return specific
    merged = {k.lower(): (k, v) for k, v in broad}
    merged.update({k.lower(): (k, v) for k, v in specific})
    return tuple(sorted(merged.values(), key=lambda kv: kv[0].lower()))


def _union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    if not b:
        return a
    if not a:
        return b
    return tuple(dict.fromkeys((*a, *b)))


def _opt_bool(value: Any, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ConfigError(f"apishield config: {where}: expected true or false, got {value!r}")


def _strs(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"apishield config: {where}: expected a string or a list of strings")


_IDENTITY_CACHE_SIZE = 10_000
_PIPELINE_HEADERS = frozenset(
    {
        "vary",
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-expose-headers",
        "ratelimit",
        "ratelimit-policy",
    }
)
PUBLIC = RouteSettings(public=True)
PROTECTED = RouteSettings()


class RouteTable:
    """Route settings by path pattern, for adapters that have no route objects (plain WSGI/ASGI).

    Keys are ``"/path"`` or ``"METHOD /path"``; ``{name}`` and ``<name>`` match one path segment and a
    trailing ``*`` matches the rest. The most specific match (exact before pattern, longer before shorter)
    wins. Compiled once; look-ups of exact paths are one dict access.
    """

    _PARAM = re.compile(r"\{[^/{}]+\}|<[^/<>]+>")

    def __init__(self, entries: Mapping[str, RouteSettings | Mapping[str, Any]]) -> None:
        self._exact: dict[tuple[str, str], RouteSettings] = {}
        patterns: list[tuple[int, str, re.Pattern[str], RouteSettings]] = []
        for key, value in entries.items():
            settings = value if isinstance(value, RouteSettings) else RouteSettings.from_mapping(value, key)
            method, _, path = key.strip().rpartition(" ")
            method = method.strip().upper() or "*"
            if not path.startswith("/"):
                raise ConfigError(f"apishield config: route {key!r} must be '/path' or 'METHOD /path'")
            if "*" not in path and not self._PARAM.search(path):
                self._exact[(method, path)] = settings
                continue
            regex = self._PARAM.sub("[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}"))
            regex = self._PARAM.sub("[^/]+", regex)
            regex = regex.replace(r"\*", ".*")
            patterns.append((len(path), method, re.compile(regex + r"\Z", re.DOTALL), settings))
        patterns.sort(key=lambda item: -item[0])
        self._patterns = patterns

    def __bool__(self) -> bool:
        return bool(self._exact or self._patterns)

    def lookup(self, method: str, path: str) -> RouteSettings | None:
        found = self._exact.get((method, path)) or self._exact.get(("*", path))
        if found is not None:
            return found
        for _, pat_method, regex, settings in self._patterns:
            if (pat_method == "*" or pat_method == method) and regex.match(path):
                return settings
        return None

    def items(self) -> list[tuple[str, RouteSettings]]:
        out = [(f"{m} {p}" if m != "*" else p, s) for (m, p), s in self._exact.items()]
        out += [(f"{m} {r.pattern}" if m != "*" else r.pattern, s) for _, m, r, s in self._patterns]
        return out


@dataclass(slots=True)
class Outcome:
    """The shield's answer.

    ``allowed``: call the application, then add ``headers`` to its response (``principal`` is who called).
    Otherwise answer with ``status``, ``headers`` (complete, content type included) and ``body``.
    """

    allowed: bool
    principal: Any = None
    headers: list[Header] = field(default_factory=list)
    status: int = 200
    body: bytes = b""


@dataclass(slots=True)
class _CompiledRoute:
    settings: RouteSettings
    public: bool
    cors: CORSStage | None
    rate_limit: RateLimitStage | None
    csrf: bool
    validation: ValidationStage | None
    headers: HeaderStage


class Shield:
    """One configured pipeline. Thread-safe; build one per application at start-up.

    ``Shield(config=None, **settings)``: ``config`` is a :class:`ShieldConfig`, a mapping or a TOML path;
    keyword settings override it (``Shield(jwt_secret_env="APISHIELD_JWT_SECRET", cors_origins=[...])``).
    Components (``authenticators``, a ready ``store``, a ``clock``) can be passed in directly.
    """

    def __init__(
        self,
        config: ShieldConfig | Mapping[str, Any] | str | None = None,
        *,
        authenticators: Sequence[Any] | None = None,
        store: Any = None,
        clock: Callable[[], float] | None = None,
        **settings: Any,
    ) -> None:
        self.config = load(config, **settings) if (config is not None or settings) else ShieldConfig()
        cfg = self.config
        self.proxies = TrustedProxies(cfg.trusted_proxies)
        self.https_action = cfg.https_action
        self.routes = RouteTable({k: v for k, v in cfg.routes.items()})
        self._has_routes = bool(self.routes)
        self.headers: HeaderStage = build_headers(cfg)
        self._clock = clock
        self.store: Any = store if store is not None else _open_store(cfg.store_url, clock)
        self.sessions: Any = build_sessions(cfg, self.store, clock)
        self.penalties: Any = build_penalties(cfg, self.store)
        self.auth: AuthStage = build_auth(
            cfg, authenticators, store=self.store, sessions=self.sessions, penalties=self.penalties, clock=clock
        )
        self._default_cors = build_cors(cfg, None)
        self._default_limits = build_rate_limit(cfg, None, store=self.store, clock=clock)
        self._csrf: CSRFStage | None = build_csrf(cfg, self.sessions)
        self._validation_default = build_validation(cfg, None)
        self._limit_by_ip = cfg.rate_limit.key == "ip"
        #: every header name an *allowed* outcome can carry (lower case), for the adapters' fast header merge
        self.emitted_headers: frozenset[str] = frozenset(
            {name.lower() for rows in self.headers.table.values() for name, _ in rows} | _PIPELINE_HEADERS
        )
        self._compiled: dict[int, tuple[RouteSettings, _CompiledRoute]] = {}
        self._compiled_by_value: dict[RouteSettings, _CompiledRoute] = {}
        self._merged: dict[tuple[int, int], tuple[RouteSettings, RouteSettings, RouteSettings]] = {}
        self._lock = threading.Lock()
        self._warned_dev_server = False
        #: set once the serving software has been looked at (adapters skip the call afterwards)
        self.server_checked = False

    # --- per-route compilation --------------------------------------------------------------
    def compile(self, settings: RouteSettings | None) -> _CompiledRoute:
        """The guards for ``settings``, built once and cached (settings objects are long-lived)."""
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
        cfg = self.config
        compiled = _CompiledRoute(
            settings=settings,
            public=settings.is_public,
            cors=self._default_cors if settings.cors is None else build_cors(cfg, settings.cors),
            rate_limit=(
                self._default_limits
                if settings.limits is None
                else build_rate_limit(cfg, settings.limits, store=self._limit_store(), clock=self._clock)
            ),
            csrf=self._csrf is not None and not settings.csrf_exempt,
            validation=(
                self._validation_default
                if settings.body_schema is None
                else build_validation(cfg, settings.body_schema)
            ),
            headers=self._route_headers(settings.headers),
        )
        with self._lock:
            if len(self._compiled) < _IDENTITY_CACHE_SIZE:
                self._compiled[id(settings)] = (settings, compiled)
            with contextlib.suppress(TypeError):  # unhashable settings: the identity cache above suffices
                self._compiled_by_value[settings] = compiled
        return compiled

    def _route_headers(self, overrides: tuple[tuple[str, str | None], ...] | None) -> HeaderStage:
        """The security-header table for a route: the shield's own, or a copy with the route's overrides."""
        if not overrides:
            return self.headers
        stage = self.headers.with_overrides(overrides)
        names = {name.lower() for rows in stage.table.values() for name, _ in rows}
        if not names <= self.emitted_headers:
            with self._lock:
                self.emitted_headers = self.emitted_headers | names
        return stage

    def _limit_store(self) -> Any:
        return self.store

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
    def process(self, view: RequestView, route: RouteSettings | _CompiledRoute | None = None) -> Outcome:
        """Decide on one request. Never raises for bad input: every refusal becomes an Outcome."""
        compiled = route if isinstance(route, _CompiledRoute) else self.compile(route)
        https = view.scheme == "https"
        if not https and self.https_action != "off":
            return self._plain_http(view)
        extra: list[Header] = []
        cors = compiled.cors
        if cors is not None:
            origin = view.headers.get("origin")
            if origin is None:
                extra.extend(cors.vary)
            elif view.method == "OPTIONS" and view.headers.get("access-control-request-method") is not None:
                decision = cors.guard.check(view)
                if isinstance(decision, Reject):  # the guard has logged the refusal
                    return self._finish(view, decision, [], https, authenticated=False, headers=compiled.headers)
                extra.extend(decision.headers.items())
                extra.extend(compiled.headers.table[(False, https)])
                return Outcome(False, None, extra, 204, b"")
            else:
                allowed = cors.simple(origin, view.method)
                if allowed is None:
                    extra.extend(cors.vary)
                    self._note_cors(view)
                else:
                    extra.extend(allowed)
        principal: Any = None
        auth_method: str | None = None
        try:
            limiter = compiled.rate_limit
            if limiter is not None and self._limit_by_ip:
                extra.extend(limiter.check(view, None))
            if not compiled.public:
                principal, auth_method = self.auth.authenticate(view, compiled.settings)
                if limiter is not None and not self._limit_by_ip:
                    extra.extend(limiter.check(view, principal))
            if view.method not in SAFE_METHODS:
                csrf = self._csrf
                if csrf is not None and compiled.csrf and auth_method == "session":
                    csrf.check(view)
                if compiled.validation is not None:
                    compiled.validation.check(view)
        except Reject as reject:
            return self._finish(
                view, reject, extra, https, authenticated=principal is not None, headers=compiled.headers
            )
        extra += compiled.headers.table[(principal is not None, https)]
        return Outcome(True, principal, extra)

    def _finish(
        self,
        view: RequestView,
        reject: Reject,
        extra: list[Header],
        https: bool,
        *,
        authenticated: bool,
        headers: HeaderStage | None = None,
    ) -> Outcome:
        stage = headers or self.headers
        headers_out = [(k, v) for k, v in reject.response_headers().items()]
        headers_out.extend(extra)
        headers_out.extend(stage.table[(authenticated, https)])
        body = b"" if reject.status in (204, 304) or view.method == "HEAD" else reject.problem.body()
        if reject.status in (204, 304):
            headers_out = [(k, v) for k, v in headers_out if k.lower() != "content-type"]
        return Outcome(False, None, headers_out, reject.status, body)

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
            headers.extend(self.headers.for_response(view, authenticated=False, https=False))
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
        self._check_limits(limits)
        settings = RouteSettings(limits=_strs(limits, "limit"))
        return lambda fn: with_settings(fn, settings)

    def cors(self, policy: Any) -> Callable[[F], F]:
        """A CORS policy for this route (a :class:`~apishield.web.cors.CORSPolicy` or its settings dict)."""
        build_cors(self.config, policy)  # validate now, at import time
        settings = RouteSettings(cors=policy)
        return lambda fn: with_settings(fn, settings)

    def csrf_exempt(self, fn: F) -> F:
        """Skip the CSRF check on this route (e.g. a webhook authenticated by a signature)."""
        return with_settings(fn, RouteSettings(csrf_exempt=True))

    def validate(self, schema: Any) -> Callable[[F], F]:
        """Validate the JSON request body of unsafe methods against ``schema`` (JSON Schema or pydantic)."""
        build_validation(self.config, schema)
        settings = RouteSettings(body_schema=schema)
        return lambda fn: with_settings(fn, settings)

    def route_headers(self, overrides: Mapping[str, str | None]) -> Callable[[F], F]:
        """Security-header overrides for this route, e.g. a CSP that lets an HTML docs page load its script:
        ``route_headers({"Content-Security-Policy": "default-src 'self'", "X-Frame-Options": None})``
        (``None`` removes a header). Compiled once per route; the request path stays a table look-up."""
        settings = RouteSettings(headers=overrides)  # type: ignore[arg-type]  # a mapping, normalised to pairs
        return lambda fn: with_settings(fn, settings)

    def _check_limits(self, limits: Sequence[str]) -> None:
        build_rate_limit(self.config, tuple(limits), store=self._limit_store(), clock=self._clock, validate_only=True)

    # --- helpers for adapters -------------------------------------------------------------------
    def needs_body(self, compiled: _CompiledRoute, view: RequestView) -> bool:
        """True when the pipeline must see the request body (a body schema, or a form-posted CSRF token)."""
        if view.method in SAFE_METHODS:
            return False
        if compiled.validation is not None and compiled.validation.reads_body:
            return True
        if compiled.csrf:
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
            return Outcome(False, None, list(reject.response_headers().items()), status, reject.problem.body())
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


def _open_store(url: str, clock: Callable[[], float] | None) -> Any:
    from apishield.stores import from_url

    return from_url(url, **({"clock": clock} if clock is not None else {}))


_HOST = re.compile(r"\A[A-Za-z0-9.\-]+(:[0-9]{1,5})?\Z|\A\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?\Z")




def requirement(scopes: Iterable[str], roles: Iterable[str], extra: Mapping[str, Iterable[str]]) -> RouteSettings:
    """Route settings for ``require(*scopes, roles=..., scopes=...)``; unknown keywords are refused."""
    unknown = set(extra) - {"scopes"}
    if unknown:
        raise ConfigError(f"require: unknown arguments {sorted(unknown)}; use scopes=[...] and roles=[...]")
    more = extra.get("scopes", ())
    all_scopes = (*_strs(tuple(scopes), "require"), *_strs(more, "require"))
    unique = tuple(dict.fromkeys(all_scopes))
    return RouteSettings(public=False, scopes=unique, roles=_strs(roles, "require"))


def with_settings(obj: T, settings: RouteSettings) -> T:
    """Attach ``settings`` to a view function (merged with any already there); returns the function."""
    current = getattr(obj, ATTR, None)
    merged = settings if current is None else current.merged(settings)
    try:
        setattr(obj, ATTR, merged)
    except AttributeError as exc:  # builtins, bound methods of slotted classes
        raise ConfigError(f"apishield: cannot attach route settings to {obj!r}") from exc
    return obj


def settings_of(obj: Any) -> RouteSettings | None:
    """The settings attached to a view function by the decorators, if any."""
    found = getattr(obj, ATTR, None)
    if found is None:
        wrapped = getattr(obj, "__func__", None)
        found = getattr(wrapped, ATTR, None) if wrapped is not None else None
    return found if isinstance(found, RouteSettings) else None


ATTR = "__apishield_route__"

__all__ = [
    "ATTR",
    "PROTECTED",
    "PUBLIC",
    "SAFE_METHODS",
    "Outcome",
    "RouteSettings",
    "RouteTable",
    "Shield",
    "requirement",
    "settings_of",
    "with_settings",
]
