"""Opaque refresh tokens: stored hashed, rotated on every use, reuse revokes the whole family.

A refresh token is 256 random bits; the store keeps only its SHA-256 (a high-entropy random value needs no
slow hash). Using one atomically pops it (so two concurrent uses cannot both succeed) and issues the next
token of the same *family*. Presenting a token that was already rotated is the signature of theft (the
thief or the victim used it first), so the whole family is revoked and both parties must log in again.

``on_family_revoked(subject, family)`` tells the access-token side (:meth:`JWTAuth.revoke_family
<apishield.auth.jwt.JWTAuth.revoke_family>`) so the family's access tokens die with it, and
:meth:`RefreshTokens.revoke_subject` ends every family of an account (password change, logout everywhere).
Store failures fail closed: :class:`~apishield.errors.StoreUnavailable` (503), one throttled event.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from apishield.auth.outage import FailClosed
from apishield.errors import ConfigError, TokenError, TokenExpired, TokenRevoked
from apishield.ratelimit.guard import EventThrottle
from apishield.stores.base import Store
from apishield.types import Clock

MAX_REFRESH_LENGTH = 256
TOKEN_RESPONSE_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 5.1: never cache tokens


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    """The outcome of a rotation: the new opaque token and what it stands for."""

    token: str
    subject: str
    scopes: frozenset[str]
    family: str
    expires_at: float


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()  # JSON can carry lone surrogates


class RefreshTokens:
    """Issue and rotate refresh tokens in a :class:`~apishield.stores.base.Store`.

    ``ttl`` bounds one token; ``family_ttl`` bounds a whole login session however often it is refreshed.
    """

    def __init__(
        self,
        store: Store,
        *,
        ttl: float = 14 * 86_400.0,
        family_ttl: float = 30 * 86_400.0,
        namespace: str = "refresh",
        clock: Clock = time.time,
        on_family_revoked: Callable[[str, str], None] | None = None,
        store_events: EventThrottle | None = None,
    ) -> None:
        if not ttl > 0 or not family_ttl >= ttl:
            raise ConfigError("refresh tokens: ttl must be > 0 and family_ttl >= ttl")
        self.on_family_revoked = on_family_revoked
        self.fail_closed = FailClosed("refresh.store_error", "Token refresh is briefly unavailable; try again shortly.",
                                      store_events)
        self.store = store
        self.ttl = float(ttl)
        self.family_ttl = float(family_ttl)
        self.ns = namespace
        self.clock = clock

    def _k(self, kind: str, value: str) -> str:
        return f"{self.ns}:{kind}:{value}"

    def issue(self, subject: str, scopes: Iterable[str] = ()) -> RefreshGrant:
        """Start a new family (a fresh login) and return its first token."""
        if not isinstance(subject, str) or not subject:
            raise ConfigError("refresh tokens: subject must be a non-empty string")
        family = secrets.token_urlsafe(12)
        now = self.clock()
        with self.fail_closed:
            return self._mint(subject, frozenset(scopes), family, now + self.family_ttl, now)

    def _mint(self, subject: str, scopes: frozenset[str], family: str, family_expires: float,
              started: float) -> RefreshGrant:
        now = self.clock()
        expires = min(now + self.ttl, family_expires)
        token = secrets.token_urlsafe(32)
        record = {"sub": subject, "scopes": sorted(scopes), "family": family, "exp": expires, "fexp": family_expires,
                  "fst": started}
        self.store.set(self._k("t", _digest(token)), json.dumps(record), ttl=max(1.0, expires - now))
        return RefreshGrant(token, subject, scopes, family, expires)

    def rotate(self, token: object) -> RefreshGrant:
        """Consume ``token`` and return its successor; :class:`TokenError` for anything invalid."""
        if not isinstance(token, str) or not 0 < len(token) <= MAX_REFRESH_LENGTH:
            raise TokenError("malformed refresh token", reason="malformed")
        with self.fail_closed:
            return self._rotate(_digest(token))

    def _rotate(self, digest: str) -> RefreshGrant:
        raw = self.store.get(self._k("t", digest))
        now = self.clock()
        if raw is None:
            used = self.store.get(self._k("used", digest))
            if used is not None:
                family, _, subject = used.partition("|")
                self.revoke_family(family, subject or None)
                raise TokenRevoked("refresh token reused; the whole session was revoked")
            raise TokenError("unknown refresh token", reason="invalid_grant")
        try:
            record = json.loads(raw)
            subject, family = str(record["sub"]), str(record["family"])
            expires, family_expires = float(record["exp"]), float(record["fexp"])
            started = float(record.get("fst", 0.0))
            scopes = frozenset(str(s) for s in record["scopes"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise TokenError("corrupt refresh token record", reason="invalid_grant") from exc
        # Mark the token used *before* consuming it, so a concurrent second use always finds either the
        # token or the marker; then consume it atomically. Losing that pop to a parallel request means two
        # copies of the token are in use: revoke the family (theft), as for any later reuse.
        self.store.set(self._k("used", digest), f"{family}|{subject}", ttl=max(1.0, family_expires - now))
        if self.store.pop(self._k("t", digest)) is None:
            self.revoke_family(family, subject)
            raise TokenRevoked("refresh token used twice at once; the whole session was revoked")
        if self.store.get(self._k("revoked", family)) is not None:
            raise TokenRevoked("refresh token family revoked")
        not_before = self.store.get(self._k("nbf", _digest(subject)))
        if not_before is not None and started <= float(not_before):
            raise TokenRevoked("every session of this account was revoked")
        if now >= expires:
            raise TokenExpired("refresh token expired")
        return self._mint(subject, scopes, family, family_expires, started)

    def revoke_family(self, family: str, subject: str | None = None) -> None:
        """Revoke every token of a family (logout, reuse detected), and its access tokens via the hook."""
        with self.fail_closed:
            self.store.set(self._k("revoked", family), "1", ttl=self.family_ttl)
        if subject and self.on_family_revoked is not None:
            self.on_family_revoked(subject, family)

    def revoke_subject(self, subject: str) -> None:
        """End every family of ``subject`` started until now (password change, logout everywhere)."""
        with self.fail_closed:
            self.store.set(self._k("nbf", _digest(subject)), repr(self.clock()), ttl=self.family_ttl)

    def revoke(self, token: str) -> None:
        """Revoke the family of ``token`` (RFC 7009 semantics: unknown tokens are silently ignored)."""
        if not isinstance(token, str) or not 0 < len(token) <= MAX_REFRESH_LENGTH:
            return
        with self.fail_closed:
            raw = self.store.get(self._k("t", _digest(token)))
        if raw is None:
            return
        try:
            record = json.loads(raw)
            family, subject = str(record["family"]), str(record["sub"])
        except (ValueError, KeyError, TypeError):
            return
        self.revoke_family(family, subject)


__all__ = ["TOKEN_RESPONSE_HEADERS", "RefreshGrant", "RefreshTokens"]
