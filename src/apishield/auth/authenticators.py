"""Authenticators for the shield pipeline: ``authenticate(view) -> Principal | None``.

``None`` means "no credentials of this kind were presented" (the next authenticator may try);
:class:`~apishield.errors.TokenError` means credentials were presented and are invalid (the pipeline answers
401 ``invalid_token``). A client IP that keeps presenting invalid API keys feeds the penalty box and is
refused with 429 while banned, before any lookup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from apishield import events
from apishield.auth.apikeys import APIKeyManager, route_allowed
from apishield.auth.jwt import JWTAuth
from apishield.auth.outage import FailClosed
from apishield.auth.principal import Principal, Requirement, granted
from apishield.errors import (
    ConfigError,
    Reject,
    StoreError,
    StoreUnavailable,
    TokenError,
    TokenExpired,
    TokenRevoked,
)
from apishield.guard import Allow
from apishield.ratelimit.guard import EventThrottle
from apishield.ratelimit.headers import retry_after_value
from apishield.request import RequestView

SESSION_STATE_KEY = "apishield.session"
"""``view.state`` key holding the session :class:`SessionAuthenticator` loaded (the CSRF check reads it)."""
PRINCIPAL_STATE_KEY = "principal"
"""``view.state`` key holding the authenticated principal (rate-limit key functions and later guards read it)."""


class PenaltyBoxLike(Protocol):
    """What we need from :class:`apishield.ratelimit.penalties.PenaltyBox`."""

    def record_violation(self, key: str) -> float | None: ...

    def banned_for(self, key: str) -> float | None: ...


def _banned(penalties: PenaltyBoxLike | None, view: RequestView) -> None:
    if penalties is None:
        return
    remaining = penalties.banned_for(view.client_ip)
    if remaining is not None:
        raise Reject(
            429,
            "Too many invalid credentials from this address; try again later.",
            headers={"Retry-After": retry_after_value(remaining)},
        )


def _authorization(view: RequestView, scheme: str) -> str | None:
    header = view.headers.get("authorization")
    if not isinstance(header, str) or not header:
        return None
    given, _, credentials = header.strip().partition(" ")
    if given.lower() != scheme.lower():
        return None
    credentials = credentials.strip()
    if not credentials:
        raise TokenError(f"empty {scheme} credentials", reason="invalid_request")
    return credentials


class BearerJWTAuthenticator:
    """``Authorization: Bearer <jwt>`` verified by :class:`JWTAuth`.

    :class:`JWTAuth` holds the one verified-token cache: a repeated token skips the signature check, never the
    expiry, ``max_age`` or revocation checks. A client presenting invalid tokens feeds the penalty box; once
    banned, its invalid tokens are answered 429 instead of 401. The ban is looked up only when a token fails
    (a valid token is no guess), so valid requests cost no store call for it.
    """

    auth_method = "jwt"

    def __init__(self, jwt: JWTAuth, *, penalties: PenaltyBoxLike | None = None) -> None:
        self.jwt = jwt
        self.penalties = penalties

    def store_reads(self, view: RequestView) -> list[tuple[Any, str]]:
        """(store, set key) pairs :meth:`authenticate` will read for ``view``, found without verifying anything
        (the shield fetches them with the rate-limit decision: :mod:`apishield.stores.ahead`)."""
        try:
            token = _authorization(view, "Bearer")
        except TokenError:
            return []
        return self.jwt.store_reads_for(token) if token is not None else []

    def authenticate(self, view: RequestView) -> Principal | None:
        token = _authorization(view, "Bearer")
        if token is None:
            return None
        try:
            return self.jwt.verify(token)
        except (TokenExpired, TokenRevoked):
            raise  # an honest client with a stale or logged-out token is not an attacker
        except TokenError:
            if self.penalties is not None:
                _banned(self.penalties, view)
                self.penalties.record_violation(view.client_ip)
            raise


class APIKeyAuthenticator:
    """An API key from ``X-API-Key`` (``header``) and/or ``Authorization: ApiKey <key>`` (``scheme``).

    Route restrictions on the key are enforced here (403); the key's own rate limit, when set, is enforced
    through the store with one ``hit`` call keyed by key id.
    """

    auth_method = "api_key"

    def __init__(
        self,
        manager: APIKeyManager,
        *,
        header: str | None = "X-API-Key",
        scheme: str | None = "ApiKey",
        penalties: PenaltyBoxLike | None = None,
        enforce_rate_limit: bool = True,
    ) -> None:
        if not header and not scheme:
            raise ConfigError("API key authenticator: set a header name, an Authorization scheme, or both")
        self.manager = manager
        self.header = header
        self.scheme = scheme
        self.penalties = penalties
        self.enforce_rate_limit = enforce_rate_limit
        self.events = EventThrottle()  # invalid keys: one line per interval, with a count

    def _presented(self, view: RequestView) -> str | None:
        if self.header:
            value = view.headers.get(self.header)
            if isinstance(value, str) and value.strip():
                return value.strip()
        if self.scheme:
            return _authorization(view, self.scheme)
        return None

    def authenticate(self, view: RequestView) -> Principal | None:
        presented = self._presented(view)
        if presented is None:
            return None
        _banned(self.penalties, view)
        try:
            record = self.manager.verify(presented)
        except TokenError as exc:
            if self.penalties is not None:
                self.penalties.record_violation(view.client_ip)
            self.events.emit("apikey.invalid", reason=exc.reason, client_ip=view.client_ip, path=view.path)
            raise
        if not route_allowed(record.routes, view.route_or_path):
            events.emit("apikey.route_refused", key_id=record.key_id, path=view.path)
            raise Reject(403, "This API key is not allowed on this route.")
        if self.enforce_rate_limit and record.rate_limit:
            self._rate_limit(record.key_id, record.rate_limit)
        return self.manager.principal(record)

    def _rate_limit(self, key_id: str, rate_limit: str) -> None:
        from apishield.ratelimit.limits import parse_limits

        states = self.manager.store.hit(f"{self.manager.ns}:rl:{key_id}", parse_limits(rate_limit))
        refused = [s for s in states if not s.allowed]
        if refused:
            wait = max(s.retry_after for s in refused)
            raise Reject(429, "This API key's rate limit is exhausted.",
                         headers={"Retry-After": retry_after_value(wait)})


class SessionAuthenticator:
    """A server-side cookie session (:class:`~apishield.web.sessions.SessionManager`) as a principal.

    The session's ``data`` may hold ``scopes`` and ``roles``; the loaded session is kept in
    ``view.state[SESSION_STATE_KEY]`` so the CSRF check compares against its token without a second store read.
    """

    auth_method = "session"

    def __init__(self, sessions: Any) -> None:
        self.sessions = sessions
        self.cookie_name = sessions.cookie_name

    def authenticate(self, view: RequestView) -> Principal | None:
        session_id = view.cookies.get(self.cookie_name)
        if not session_id:
            return None
        session = self.sessions.load(session_id, ip=view.client_ip, user_agent=view.headers.get("user-agent"))
        if session is None:
            raise TokenError("unknown or expired session", reason="invalid_session")
        view.state[SESSION_STATE_KEY] = session
        data = session.data or {}
        return Principal(
            subject=session.user_id,
            scopes=frozenset(data.get("scopes", ())),
            roles=frozenset(data.get("roles", ())),
            auth_method="session",
        )


class AuthGuard:
    """Authentication for the shield: runs the authenticators in order, the first principal wins.

    :meth:`for_route` compiles a route's scopes and roles once into a :class:`RouteAuth`; the one
    scope/role check is :class:`~apishield.auth.principal.Requirement`. Refusals are raised as
    :class:`Reject`: 401 with a ``WWW-Authenticate`` challenge, 403 ``insufficient_scope``, 503 when the
    credential store is down.
    """

    name = "auth"

    def __init__(
        self, authenticators: Sequence[Any], *, realm: str = "api", penalties: PenaltyBoxLike | None = None
    ) -> None:
        self.authenticators = tuple(authenticators)
        self.realm = realm
        self.penalties = penalties
        self._challenge = f'Bearer realm="{realm}"'
        methods = [getattr(a, "auth_method", None) or getattr(a, "scheme", None) for a in self.authenticators]
        names = tuple(
            str(m) if m else type(a).__name__.lower() for m, a in zip(methods, self.authenticators, strict=True)
        )
        self._pairs = tuple(zip(self.authenticators, names, strict=True))
        self._readers = tuple(r for r in map(store_reader, self.authenticators) if r is not None)
        #: some authenticator can name the store sets it will read before it runs (see :meth:`store_reads`)
        self.reads_ahead = bool(self._readers)
        self._open = RouteAuth(self, None)
        #: failed and missing credentials come by the thousand in an attack: one line per interval, with a count
        self.events = EventThrottle()
        self.fail_closed = FailClosed("auth.store_error", "Authentication is unavailable; try again shortly.",
                                      self.events)
        self._routes: dict[tuple[tuple[str, ...], tuple[str, ...]], RouteAuth] = {}

    def identify(self, view: RequestView) -> tuple[Any, str]:
        """The principal and how it authenticated (stored in ``view.state``); raises :class:`Reject` 401/503."""
        for authenticator, method in self._pairs:
            try:
                principal = authenticator.authenticate(view)
            except TokenError as exc:
                self.events.emit(
                    "auth.failure", reason=exc.reason, method=method, path=view.path, client_ip=view.client_ip
                )
                self._violation(authenticator, method, exc, view)
                raise Reject(
                    401,
                    "The credentials are invalid or expired.",
                    headers={"WWW-Authenticate": f'{self._challenge}, error="invalid_token"'},
                ) from None
            except StoreUnavailable:
                raise  # already a 503 with Retry-After, logged by the component that failed closed
            except StoreError as exc:  # fail closed: 503 with Retry-After, one event per interval
                raise self.fail_closed(exc) from None
            if principal is not None:
                view.state[PRINCIPAL_STATE_KEY] = principal
                return principal, method
        self.events.emit("auth.missing", path=view.path, method=view.method, client_ip=view.client_ip)
        raise Reject(401, "Authentication is required.", headers={"WWW-Authenticate": self._challenge})

    def _violation(self, authenticator: Any, method: str, exc: TokenError, view: RequestView) -> None:
        """Count an invalid credential against the client in the penalty box, whichever authenticator refused
        it. Not counted: a credential that was valid once (expired, or revoked: every device of a user who
        logged out everywhere keeps presenting its token, often from one shared address), a stale session
        cookie (browsers keep them), and authenticators that keep their own box (no double count)."""
        if (
            self.penalties is None
            or isinstance(exc, (TokenExpired, TokenRevoked))
            or method == "session"
            or getattr(authenticator, "penalties", None) is not None
        ):
            return
        try:
            self.penalties.record_violation(view.client_ip)
        except StoreError as err:  # the 401 stands; the box is best effort while its store is down
            self.events.emit("penalty.store_error", level=logging.ERROR, path=view.path, error=type(err).__name__)

    def store_reads(self, view: RequestView) -> list[tuple[Any, str]]:
        """The (store, set key) pairs the authenticators will read for ``view``, as far as they can tell without
        verifying anything: an authenticator's own ``store_reads(view)``, or, for one that holds a
        :class:`JWTAuth` as ``jwt``, the revocation set of a bearer token it has verified before. A hint only:
        what an authenticator then reads and was not fetched, it reads from the store."""
        found: list[tuple[Any, str]] = []
        for reads in self._readers:
            found += reads(view)
        return found

    def check(self, view: RequestView) -> Allow:
        """Guard form: allow with the principal, or raise :class:`Reject`."""
        return Allow(principal=self.identify(view)[0])

    def authenticate(self, view: RequestView, settings: Any = None) -> tuple[Any, str]:
        """The principal and its auth method for a request to a route with ``settings`` (its scopes and
        roles checked; public settings still authenticate); raises :class:`Reject` 401, 403 or 503."""
        route = self.for_route(settings) if settings is not None and not getattr(settings, "public", None) else None
        return (route or self._open).authenticate(view)

    def authorize(self, principal: Any, settings: Any, view: RequestView) -> None:
        """Check ``principal`` (authenticated elsewhere, e.g. by the middleware) against the scopes and roles
        of ``settings``; raises :class:`Reject` 403 ``insufficient_scope`` (401 when it is None)."""
        route = self.for_route(settings)
        if principal is None:
            raise Reject(401, "Authentication is required.", headers={"WWW-Authenticate": self._challenge})
        if route is not None:
            route.authorize(principal, view)

    def for_route(self, settings: Any) -> RouteAuth | None:
        """None for a public route; else the route's compiled requirement (its scopes and roles)."""
        if getattr(settings, "public", None):
            return None
        scopes = tuple(getattr(settings, "scopes", ()) or ())
        roles = tuple(getattr(settings, "roles", ()) or ())
        if not scopes and not roles:
            return self._open
        key = (scopes, roles)
        hit = self._routes.get(key)
        if hit is None:
            hit = RouteAuth(self, Requirement(scopes, roles, realm=self.realm))
            if len(self._routes) < 1024:
                self._routes[key] = hit
        return hit


class RouteAuth:
    """One route's authentication and authorization, compiled by :meth:`AuthGuard.for_route`."""

    __slots__ = ("guard", "requirement")

    def __init__(self, guard: AuthGuard, requirement: Requirement | None) -> None:
        self.guard = guard
        self.requirement = requirement

    def authenticate(self, view: RequestView) -> tuple[Any, str]:
        """The principal and its auth method; raises :class:`Reject` 401, 403 or 503."""
        principal, method = self.guard.identify(view)
        requirement = self.requirement
        if requirement is not None:
            try:
                requirement.check(principal)
            except Reject:
                self._forbidden(requirement, principal, view)
                raise
        return principal, method

    def authorize(self, principal: Any, view: RequestView) -> None:
        """Check an already authenticated ``principal`` against the route's scopes and roles (403, logged)."""
        requirement = self.requirement
        if requirement is None:
            return
        try:
            requirement.check(principal)
        except Reject:
            self._forbidden(requirement, principal, view)
            raise

    def _forbidden(self, requirement: Requirement, principal: Any, view: RequestView) -> None:
        self.guard.events.emit(
            "auth.forbidden",
            subject=str(getattr(principal, "subject", ""))[:128],
            path=view.path,
            missing_scopes=sorted(requirement.scopes - granted(principal, "scopes")),
            missing_roles=sorted(requirement.roles - granted(principal, "roles")),
        )

    def check(self, view: RequestView) -> Allow:
        return Allow(principal=self.authenticate(view)[0])


StoreReads = Callable[[RequestView], list[tuple[Any, str]]]


def store_reader(authenticator: Any) -> StoreReads | None:
    """How to tell, before ``authenticator`` runs, which store sets it will read for a request: its own
    ``store_reads(view)``, or, for one that holds a :class:`JWTAuth` as ``jwt`` (a bearer-token authenticator
    of your own), the revocation set of a bearer token that JWTAuth has verified before. None: it cannot tell.
    """
    reads = getattr(authenticator, "store_reads", None)
    jwt = getattr(authenticator, "jwt", None)
    if isinstance(jwt, JWTAuth) and (reads is None or type(authenticator) is BearerJWTAuthenticator):
        # a bearer authenticator around a JWTAuth, the library's or your own; without a store it reads nothing
        reads = BearerJWTAuthenticator(jwt).store_reads if jwt.store is not None else None
    return reads if callable(reads) else None


def authenticator_from(obj: Any) -> Any:
    """Wrap a :class:`JWTAuth` or :class:`APIKeyManager` in its authenticator; pass others through."""
    if isinstance(obj, JWTAuth):
        return BearerJWTAuthenticator(obj)
    if isinstance(obj, APIKeyManager):
        return APIKeyAuthenticator(obj)
    return obj


__all__ = [
    "PRINCIPAL_STATE_KEY",
    "SESSION_STATE_KEY",
    "APIKeyAuthenticator",
    "AuthGuard",
    "BearerJWTAuthenticator",
    "PenaltyBoxLike",
    "RouteAuth",
    "SessionAuthenticator",
    "authenticator_from",
    "store_reader",
]
