"""The shield's pipeline stages: thin wrappers that compile the core guards for the hot path.

Each ``build_*`` function turns configuration into a stage once, at start-up (or on first sight of a
route's settings); each stage's per-request method does as little as possible: precomputed header lists,
one store round trip for all rate limits, a bounded cache of verified tokens.

The core components live in :mod:`apishield.web`, :mod:`apishield.ratelimit` and :mod:`apishield.auth`;
this module never imports a web framework.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from apishield import events
from apishield.config import ShieldConfig, secret_from_env
from apishield.errors import ConfigError, Reject, StoreError, TokenError, TokenExpired
from apishield.ratelimit.guard import EventThrottle
from apishield.ratelimit.headers import sf_string
from apishield.ratelimit.limits import Limit, parse_limits
from apishield.request import RequestView
from apishield.web.cors import CORSGuard, CORSPolicy
from apishield.web.headers import SecurityHeaders

if TYPE_CHECKING:
    from apishield.shield import RouteSettings

Header = tuple[str, str]
Clock = Callable[[], float]


# --- security headers ---------------------------------------------------------------------------
class HeaderStage:
    """Security headers for every response, precomputed for the four (authenticated, https) cases.

    The shield's own stage holds the configured defaults; a route with header overrides gets its own copy
    (:meth:`with_overrides`), compiled once with the route, so no request ever computes headers.
    """

    def __init__(self, headers: SecurityHeaders | None) -> None:
        self.policy = headers
        probe = RequestView(method="GET", path="/")
        #: (authenticated, https) -> the header list; read directly on the hot path
        self.table: dict[tuple[bool, bool], list[Header]] = {}
        for authenticated in (False, True):
            for https in (False, True):
                items = headers.headers_for(probe, authenticated=authenticated, is_https=https) if headers else {}
                self.table[(authenticated, https)] = list(items.items())

    def for_response(self, view: RequestView, *, authenticated: bool, https: bool) -> list[Header]:
        return self.table[(authenticated, https)]

    def with_overrides(self, overrides: Iterable[tuple[str, str | None]]) -> HeaderStage:
        """A copy whose four tables carry a route's overrides (a value of None removes that header).

        Compiled once per route, so a route's headers stay one dict look-up on the hot path.
        """
        changes = {name.lower(): (name, value) for name, value in overrides}
        stage = HeaderStage.__new__(HeaderStage)
        stage.policy = self.policy
        stage.table = {}
        for key, rows in self.table.items():
            kept = [(k, v) for k, v in rows if k.lower() not in changes]
            kept += [(name, value) for name, value in changes.values() if value is not None]
            stage.table[key] = kept
        return stage

    def defaults(self, *, https: bool) -> list[Header]:
        """The headers for an unauthenticated response, when no request view is at hand."""
        return self.table[(False, https)]


def build_headers(config: ShieldConfig) -> HeaderStage:
    cfg = config.headers
    if not cfg.enabled:
        return HeaderStage(None)
    hsts_max_age = cfg.hsts_max_age if config.https_action != "off" or config.production else 0
    return HeaderStage(
        SecurityHeaders(
            content_security_policy=cfg.content_security_policy or None,
            hsts_max_age=hsts_max_age,
            hsts_include_subdomains=cfg.hsts_include_subdomains,
            extra=dict(cfg.extra),
        )
    )


# --- CORS --------------------------------------------------------------------------------------
class CORSStage:
    """A compiled :class:`~apishield.web.cors.CORSPolicy`: preflights go to the guard, actual requests hit a
    small cache of the header list per (allowed origin, method)."""

    _CACHE_SIZE = 1024

    def __init__(self, policy: CORSPolicy) -> None:
        self.policy = policy
        self.guard = CORSGuard(policy)
        self.vary: list[Header] = [("Vary", "Origin")] if policy.varies_by_origin else []
        self._cache: dict[tuple[str, str], list[Header]] = {}

    def simple(self, origin: str, method: str) -> list[Header] | None:
        """Headers for an actual (non-preflight) request from ``origin``; None when the origin is refused."""
        key = (origin, method)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        headers = self.policy.headers_for(origin, method)
        if not headers:
            return None
        items = list(headers.items())
        if len(self._cache) < self._CACHE_SIZE:  # only allowed origins get here, so the cache stays small
            self._cache[key] = items
        return items


def build_cors(config: ShieldConfig, policy: Any) -> CORSStage | None:
    """A CORS guard for the configured origins, or for a route's own policy (a CORSPolicy or a dict)."""
    if policy is None:
        cfg = config.cors
        if not cfg.origins:
            return None  # no cross-origin access: browsers enforce it when no CORS header is sent
        policy = CORSPolicy(
            cfg.origins,
            allow_credentials=cfg.allow_credentials,
            methods=cfg.methods,
            headers=cfg.headers,
            expose_headers=cfg.expose_headers,
            max_age=cfg.max_age,
        )
    elif isinstance(policy, Mapping):
        policy = CORSPolicy.from_dict(policy)
    elif policy is False:
        return None
    if not isinstance(policy, CORSPolicy):
        raise ConfigError("route CORS setting must be a CORSPolicy, a dict of its settings, or False")
    return CORSStage(policy)


# --- rate limits -------------------------------------------------------------------------------
class RateLimitStage:
    """All limits of one route decided in one atomic store call (``Store.hit``); headers on every answer.

    Default limits count per client across the whole API; a route's own limits count per client per
    route. The client is its address (``rate_limit.key = "ip"``) or, after authentication, the principal.
    """

    def __init__(
        self,
        store: Any,
        limits: Sequence[Limit],
        scope: str,
        *,
        on_store_error: str,
        send_headers: bool,
    ) -> None:
        self.store = store
        self.limits = tuple(limits)
        self.scope = scope
        self.global_scope = scope == "default"
        self.fail_open = on_store_error == "allow"
        self.send_headers = send_headers
        # an outage fails every request: log it once per interval (with a count), not once per request
        self._store_errors = EventThrottle()
        # the policy header never changes and each limit's name is escaped once: per request only numbers
        self._policy = ", ".join(f"{sf_string(lim.name)};q={lim.amount};w={math.ceil(lim.window)}" for lim in limits)
        self._prefixes = tuple(sf_string(lim.name) + ";r=" for lim in self.limits)

    def _headers(self, states: Sequence[Any]) -> list[Header]:
        if len(states) == 1:  # the common case, without the generator and join
            st = states[0]
            return [
                ("RateLimit-Policy", self._policy),
                ("RateLimit", f"{self._prefixes[0]}{max(0, st.remaining)};t={_ceil(st.reset_after)}"),
            ]
        parts = [
            f"{prefix}{max(0, st.remaining)};t={_ceil(st.reset_after)}"
            for prefix, st in zip(self._prefixes, states, strict=False)
        ]
        return [("RateLimit-Policy", self._policy), ("RateLimit", ", ".join(parts))]

    def check(self, view: RequestView, principal: Any) -> list[Header]:
        """Headers to add when allowed; raises :class:`Reject` (429) when a limit is exhausted."""
        who = view.client_ip if principal is None else "p:" + str(getattr(principal, "subject", principal))
        key = f"rl:{self.scope}|{who}" if self.global_scope else f"rl:{self.scope}|{view.route_or_path}|{who}"
        try:
            states = self.store.hit(key, self.limits)
        except StoreError:
            self._store_errors.emit("ratelimit.store_error", path=view.path, client_ip=view.client_ip)
            if self.fail_open:
                return []
            raise Reject(
                503, "The rate limiter is unavailable; try again shortly.", headers={"Retry-After": "5"}
            ) from None
        allowed = True
        retry = 0.0
        for state in states:
            if not state.allowed:
                allowed = False
                retry = max(retry, state.retry_after)
        if allowed:
            return self._headers(states) if self.send_headers else []
        headers = dict(self._headers(states))
        headers["Retry-After"] = str(max(1, _ceil(retry)))
        events.emit("ratelimit.denied", path=view.path, route=view.route, client_ip=view.client_ip, retry_after=retry)
        raise Reject(429, "Too many requests; slow down and retry later.", headers=headers)


def _ceil(seconds: float) -> int:
    """Whole seconds rounded up (a client waiting this long is never early); 0 for negatives."""
    if seconds <= 0 or seconds != seconds:
        return 0
    return math.ceil(seconds - 1e-9)


def parse_limit_texts(texts: Sequence[str]) -> tuple[Limit, ...]:
    """Every limit in ``texts`` (each may hold several: ``"10/second; 1000/day"``)."""
    out: list[Limit] = []
    for text in texts:
        out.extend(parse_limits(text))
    return tuple(out)


def build_rate_limit(
    config: ShieldConfig,
    limits: Sequence[str] | None,
    *,
    store: Any = None,
    clock: Clock | None = None,
    validate_only: bool = False,
) -> RateLimitStage | None:
    """A rate-limit stage for the default limits (``limits=None``) or a route's own (empty: no limit)."""
    cfg = config.rate_limit
    texts = tuple(cfg.default_limits if limits is None else limits)
    parsed = parse_limit_texts(texts)
    if validate_only or not cfg.enabled or not parsed or store is None:
        return None
    scope = "default" if limits is None else "route:" + hashlib.sha256("|".join(texts).encode()).hexdigest()[:12]
    return RateLimitStage(store, parsed, scope, on_store_error=cfg.on_store_error, send_headers=cfg.headers)


# --- authentication and authorization ---------------------------------------------------------
class TokenCache:
    """A bounded cache of verified bearer tokens: a repeated token skips the signature check.

    Entries live at most ``seconds`` (5 by default) and never past the token's own expiry, so a revoked
    token is accepted at most that much longer by this process. Look-ups compare the whole token.
    """

    def __init__(self, seconds: float, size: int, clock: Clock) -> None:
        self.seconds = seconds
        self.size = size
        self.clock = clock
        self.items: dict[str, tuple[Any, float]] = {}

    def get(self, token: str) -> Any:
        if self.seconds <= 0:
            return None
        hit = self.items.get(token)
        if hit is None:
            return None
        if hit[1] <= self.clock():
            self.items.pop(token, None)
            return None
        return hit[0]

    def put(self, token: str, principal: Any, expires_at: float | None) -> None:
        if self.seconds <= 0:
            return
        now = self.clock()
        until = now + self.seconds
        if expires_at is not None:
            until = min(until, expires_at)
        if until <= now:
            return
        items = self.items
        if len(items) >= self.size:
            try:
                del items[next(iter(items))]
            except (StopIteration, KeyError, RuntimeError):
                items.clear()
        items[token] = (principal, until)


class BearerJWT:
    """``Authorization: Bearer <jwt>`` verified by :class:`apishield.auth.jwt.JWTAuth`, with a token cache.

    A client that keeps presenting invalid tokens is banned progressively by the penalty box (checked
    before each signature verification; a cached valid token is never refused by a ban).
    """

    auth_method = "bearer"

    def __init__(self, jwt: Any, cache: TokenCache, penalties: Any = None) -> None:
        self.jwt = jwt
        self.cache = cache
        self.penalties = penalties

    def authenticate(self, view: RequestView) -> Any:
        header = view.headers.get("authorization")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = token.strip()
        if not token:
            raise TokenError("empty bearer token", reason="invalid_request")
        cache = self.cache
        hit = cache.items.get(token)  # inlined TokenCache.get: this is the hot path
        if hit is not None and hit[1] > cache.clock():
            return hit[0]
        penalties = self.penalties
        if penalties is not None:
            banned = penalties.banned_for(view.client_ip)
            if banned is not None:
                raise Reject(
                    429,
                    "Too many invalid credentials from this address; try again later.",
                    headers={"Retry-After": str(max(1, _ceil(banned)))},
                )
        try:
            principal = self.jwt.verify(token)
        except TokenExpired:
            raise  # a stale token is an honest client's mistake, not an attack
        except TokenError:
            if penalties is not None:
                penalties.record_violation(view.client_ip)
            raise
        self.cache.put(token, principal, _expiry(principal))
        return principal


def _expiry(principal: Any) -> float | None:
    for name in ("expires_at", "exp"):
        value = getattr(principal, name, None)
        if isinstance(value, int | float):
            return float(value)
    claims = getattr(principal, "claims", None)
    if isinstance(claims, Mapping) and isinstance(claims.get("exp"), int | float):
        return float(claims["exp"])
    return None


_CHALLENGE = 'Bearer realm="api"'


class AuthStage:
    """Runs the authenticators in order; the first principal wins. Then checks scopes and roles."""

    def __init__(self, authenticators: Sequence[Any]) -> None:
        self.authenticators = tuple(authenticators)
        methods = [getattr(a, "auth_method", None) or getattr(a, "scheme", None) for a in self.authenticators]
        names = tuple(
            str(m) if m else type(a).__name__.lower() for m, a in zip(methods, self.authenticators, strict=True)
        )
        self._pairs = tuple(zip(self.authenticators, names, strict=True))

    def authenticate(self, view: RequestView, settings: RouteSettings) -> tuple[Any, str]:
        """The principal and how it authenticated; raises :class:`Reject` 401/403."""
        for authenticator, method in self._pairs:
            try:
                principal = authenticator.authenticate(view)
            except TokenError as exc:
                events.emit(
                    "auth.failure", reason=exc.reason, method=method, path=view.path, client_ip=view.client_ip
                )
                raise Reject(
                    401,
                    "The credentials are invalid or expired.",
                    headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'},
                ) from None
            except StoreError:
                events.emit("auth.store_error", method=method, path=view.path, client_ip=view.client_ip)
                raise Reject(503, "Authentication is unavailable; try again shortly.") from None
            if principal is not None:
                if settings.scopes or settings.roles:
                    self.authorize(principal, settings, view)
                return principal, method
        events.emit("auth.missing", path=view.path, method=view.method, client_ip=view.client_ip)
        raise Reject(401, "Authentication is required.", headers={"WWW-Authenticate": _CHALLENGE})

    @staticmethod
    def authorize(principal: Any, settings: RouteSettings, view: RequestView) -> None:
        missing: list[str] = []
        missing_roles: list[str] = []
        if settings.scopes:
            scopes = _as_set(getattr(principal, "scopes", ()))
            missing = [s for s in settings.scopes if s not in scopes]
        if settings.roles:
            roles = _as_set(getattr(principal, "roles", ()))
            missing_roles = [r for r in settings.roles if r not in roles]
        if not missing and not missing_roles:
            return
        events.emit(
            "auth.forbidden",
            subject=str(getattr(principal, "subject", ""))[:128],
            path=view.path,
            missing_scopes=missing,
            missing_roles=missing_roles,
        )
        headers = {}
        if missing:
            scope = " ".join(settings.scopes)
            headers["WWW-Authenticate"] = f'{_CHALLENGE}, error="insufficient_scope", scope="{scope}"'
        raise Reject(403, "The credentials do not grant access to this resource.", headers=headers)


def _as_set(value: Any) -> frozenset[str]:
    if type(value) is frozenset:
        return value
    if isinstance(value, str):
        return frozenset(value.split())
    try:
        return frozenset(value)
    except TypeError:
        return frozenset()


def build_penalties(config: ShieldConfig, store: Any) -> Any:
    """The penalty box (progressive bans for repeated invalid credentials), or None when disabled."""
    cfg = config.penalties
    if not cfg.enabled or store is None:
        return None
    from apishield.ratelimit.penalties import PenaltyBox

    return PenaltyBox(
        store, violations=cfg.violations, window=cfg.window, ban_durations=cfg.ban_durations, allow=cfg.allow
    )


def build_auth(
    config: ShieldConfig,
    authenticators: Sequence[Any] | None,
    *,
    store: Any = None,
    sessions: Any = None,
    penalties: Any = None,
    clock: Clock | None = None,
) -> AuthStage:
    """Authenticators: JWT bearer (when a key is configured), API keys (when a pepper is configured), the
    ones passed in, then cookie sessions."""
    found: list[Any] = []
    cfg = config.auth
    secret = secret_from_env(cfg.jwt_secret_env, cfg.jwt_secret, "JWT secret")
    key = cfg.jwt_public_key or secret
    if key:
        from apishield.auth.jwt import JWTAuth

        kwargs: dict[str, Any] = {"key": key, "algorithm": cfg.jwt_algorithm}
        if cfg.jwt_issuer:
            kwargs["issuer"] = cfg.jwt_issuer
        if cfg.jwt_audience:
            kwargs["audience"] = cfg.jwt_audience
        if clock is not None:
            kwargs["clock"] = clock
        cache_seconds = cfg.token_cache_seconds
        if cfg.jwt_revocation:
            kwargs["store"] = store
            cache_seconds = 0.0  # every request consults the revocation list
        jwt = JWTAuth(**kwargs)
        cache = TokenCache(cache_seconds, cfg.token_cache_size, clock or time.time)
        found.append(BearerJWT(jwt, cache, penalties))
    pepper = secret_from_env(cfg.api_key_pepper_env, None, "API key pepper")
    if pepper:
        from apishield.auth.apikeys import APIKeyManager
        from apishield.auth.authenticators import APIKeyAuthenticator

        manager = APIKeyManager(store, pepper, clock=clock) if clock is not None else APIKeyManager(store, pepper)
        found.append(APIKeyAuthenticator(manager, header=cfg.api_key_header, penalties=penalties))
    found.extend(authenticators or ())
    if sessions is not None:
        found.append(SessionAuthenticator(sessions))
    return AuthStage(found)


# --- sessions and CSRF ---------------------------------------------------------------------------
SESSION_STATE_KEY = "apishield.session"


class SessionAuthenticator:
    """A server-side cookie session (:class:`~apishield.web.sessions.SessionManager`) as a principal.

    The session's ``data`` may hold ``scopes`` and ``roles``; the loaded session is kept in ``view.state`` so
    the CSRF check compares against its token without a second store read.
    """

    auth_method = "session"

    def __init__(self, sessions: Any) -> None:
        self.sessions = sessions
        self.cookie_name = sessions.cookie_name

    def authenticate(self, view: RequestView) -> Any:
        session_id = view.cookies.get(self.cookie_name)
        if not session_id:
            return None
        session = self.sessions.load(session_id, ip=view.client_ip, user_agent=view.headers.get("user-agent"))
        if session is None:
            raise TokenError("unknown or expired session", reason="invalid_session")
        view.state[SESSION_STATE_KEY] = session
        from apishield.auth.principal import Principal

        data = session.data or {}
        return Principal(
            subject=session.user_id,
            scopes=frozenset(data.get("scopes", ())),
            roles=frozenset(data.get("roles", ())),
            auth_method="session",
        )


def build_sessions(config: ShieldConfig, store: Any, clock: Clock | None = None) -> Any:
    """The session manager when sessions are enabled, else None."""
    cfg = config.sessions
    if not cfg.enabled:
        return None
    from apishield.web.sessions import SessionManager

    return SessionManager(
        store,
        idle_timeout=cfg.idle_timeout,
        absolute_timeout=cfg.absolute_timeout,
        max_sessions=cfg.max_sessions,
        cookie_name=cfg.cookie_name,
        same_site=cfg.same_site,
        secure=cfg.secure,
        clock=clock,
    )


class CSRFStage:
    """CSRF defence for cookie-session requests with unsafe methods (bearer and API keys are exempt)."""

    def __init__(self, protect: Any, session_cookie: str) -> None:
        self.protect = protect
        self.session_cookie = session_cookie

    def check(self, view: RequestView) -> None:
        session = view.state.get(SESSION_STATE_KEY)
        decision = self.protect.check(
            view,
            session_id=view.cookies.get(self.session_cookie),
            auth_method="session",
            expected_token=getattr(session, "csrf_token", None),
        )
        if isinstance(decision, Reject):
            raise decision


def build_csrf(config: ShieldConfig, sessions: Any) -> CSRFStage | None:
    cfg = config.csrf
    if not cfg.enabled or sessions is None:
        return None
    from apishield.web.csrf import CSRFProtect

    protect = CSRFProtect(
        mode="synchronizer",
        sessions=sessions,
        trusted_origins=cfg.trusted_origins,
        allow_same_site=cfg.allow_same_site,
        header_name=cfg.header,
        form_field=cfg.form_field,
    )
    return CSRFStage(protect, sessions.cookie_name)


# --- validation ----------------------------------------------------------------------------------
class ValidationStage:
    """Body size and schema checks for unsafe methods."""

    def __init__(self, max_body_size: int, schema: Any, validator: Any) -> None:
        self.max_body_size = max_body_size
        self.schema = schema
        self.validator = validator
        self.reads_body = schema is not None

    def check(self, view: RequestView) -> None:
        length = view.headers.get("content-length")
        if length is not None:
            try:
                size = int(length)
            except ValueError:
                raise Reject(400, "The Content-Length header is not a number.") from None
            if size > self.max_body_size:
                raise Reject(413, "The request body is larger than this API accepts.")
        if self.validator is not None:
            decision = self.validator.check(view)
            if isinstance(decision, Reject):
                events.emit("validation.refused", path=view.path, method=view.method, client_ip=view.client_ip)
                raise decision


def build_validation(config: ShieldConfig, schema: Any) -> ValidationStage:
    validator = None
    if schema is not None:
        from apishield.web.validation import RequestValidator

        validator = RequestValidator(
            body=schema,
            max_body_bytes=config.validation.max_body_size,
            content_types=config.validation.json_content_types,
        )
    return ValidationStage(config.validation.max_body_size, schema, validator)


__all__ = [
    "AuthStage",
    "BearerJWT",
    "CORSStage",
    "CSRFStage",
    "HeaderStage",
    "RateLimitStage",
    "SessionAuthenticator",
    "TokenCache",
    "ValidationStage",
    "build_auth",
    "build_cors",
    "build_csrf",
    "build_headers",
    "build_penalties",
    "build_rate_limit",
    "build_sessions",
    "build_validation",
]
