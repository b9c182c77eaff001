"""Authenticators for the shield pipeline: ``authenticate(view) -> Principal | None``.

``None`` means "no credentials of this kind were presented" (the next authenticator may try);
:class:`~apishield.errors.TokenError` means credentials were presented and are invalid (the pipeline answers
401 ``invalid_token``). A client IP that keeps presenting invalid API keys feeds the penalty box and is
refused with 429 while banned, before any lookup.
"""

from __future__ import annotations

from typing import Any, Protocol

from apishield import events
from apishield.auth.apikeys import APIKeyManager, route_allowed
from apishield.auth.jwt import JWTAuth
from apishield.auth.principal import Principal
from apishield.errors import ConfigError, Reject, TokenError, TokenExpired
from apishield.request import RequestView


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
            headers={"Retry-After": str(max(1, int(remaining + 0.999)))},
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
    """``Authorization: Bearer <jwt>`` verified by :class:`JWTAuth` (which caches verified tokens)."""

    auth_method = "jwt"

    def __init__(self, jwt: JWTAuth, *, penalties: PenaltyBoxLike | None = None) -> None:
        self.jwt = jwt
        self.penalties = penalties

    def authenticate(self, view: RequestView) -> Principal | None:
        token = _authorization(view, "Bearer")
        if token is None:
            return None
        _banned(self.penalties, view)
        try:
            return self.jwt.verify(token)
        except TokenExpired:
            raise  # an honest client with a stale token is not an attacker
        except TokenError:
            if self.penalties is not None:
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
            events.emit("apikey.invalid", reason=exc.reason, client_ip=view.client_ip, path=view.path)
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
                         headers={"Retry-After": str(max(1, int(wait + 0.999)))})


def authenticator_from(obj: Any) -> Any:
    """Wrap a :class:`JWTAuth` or :class:`APIKeyManager` in its authenticator; pass others through."""
    if isinstance(obj, JWTAuth):
        return BearerJWTAuthenticator(obj)
    if isinstance(obj, APIKeyManager):
        return APIKeyAuthenticator(obj)
    return obj


__all__ = ["APIKeyAuthenticator", "BearerJWTAuthenticator", "PenaltyBoxLike", "authenticator_from"]
