"""Access-token revocation by token, by session (refresh family) and by subject, in one store round trip.

Every revocation of a subject's tokens is a member of that subject's revocation set, with its own expiry:

* ``j:<jti>``   one token (logout of this request's token), until the token would have expired;
* ``f:<sid>``   every access token minted for one refresh family (the ``sid`` claim): logout, refresh-token
  reuse, an account deleted;
* ``n:<time>``  every token of the subject issued at or before ``time`` ("not before"): a role change, a
  password change, logout everywhere, an administrator's action.

Checking a token reads the one set (``Store.members``: one Lua call in Redis, one query in SQLite), so the
verified-token cache in :mod:`apishield.auth.jwt` pays one store read per request, as with ``jti`` lists alone;
the shield fetches that set in the rate-limit call of the same request (:mod:`apishield.stores.ahead`), so an
authenticated request costs one round trip in all.
Sets stay small: members expire with the longest token lifetime. :meth:`JWTAuth.issue` writes ``iat`` with
its fraction of a second, so a subject revocation refuses exactly the tokens issued at or before it (hosts
that issue and revoke must keep NTP time; skew shifts the boundary by the skew).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from apishield.auth.outage import FailClosed
from apishield.errors import TokenRevoked
from apishield.ratelimit.guard import EventThrottle
from apishield.stores import ahead
from apishield.stores.base import Store
from apishield.types import Clock


class Revocations:
    """The per-subject revocation sets of one token issuer (``namespace``)."""

    def __init__(self, store: Store, *, namespace: str, max_ttl: float, leeway: float,
                 clock: Clock = time.time, store_events: EventThrottle | None = None) -> None:
        self.store = store
        self.namespace = namespace
        self.horizon = float(max_ttl) + float(leeway)
        self.leeway = float(leeway)
        self.clock = clock
        self.fail_closed = FailClosed("jwt.store_error", "Token checks are briefly unavailable; try again shortly.",
                                      store_events)
        self._key = lru_cache(maxsize=8192)(self._subject_key)  # the hot path hashes each subject once
        self._parsed: dict[tuple[str, ...], tuple[frozenset[str], frozenset[str], float]] = {}

    def _subject_key(self, subject: str) -> str:
        digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"{self.namespace}:rev:{digest}"

    def read(self, subject: str) -> tuple[Store, str]:
        """(store, key) of the one set :meth:`check` reads for ``subject``'s tokens."""
        return self.store, self._key(subject)

    def _add(self, subject: str, member: str, ttl: float) -> None:
        with self.fail_closed:
            self.store.add_member(self._key(subject), member, ttl=max(1.0, ttl))

    def revoke_token(self, subject: str, jti: str, expires_at: float) -> None:
        self._add(subject, f"j:{jti}", expires_at + self.leeway - self.clock())

    def revoke_family(self, subject: str, family: str) -> None:
        self._add(subject, f"f:{family}", self.horizon)

    def revoke_subject(self, subject: str) -> None:
        self._add(subject, f"n:{self.clock()!r}", self.horizon)

    def check(self, claims: Mapping[str, Any]) -> None:
        """Raise :class:`TokenRevoked` when any revocation covers ``claims`` (already verified claims)."""
        try:
            members = ahead.members(self.store, self._key(claims["sub"]))  # fetched with the rate limit, or now
        except Exception as exc:  # a store error or a broken client library must never read as "not revoked"
            raise self.fail_closed(exc) from None
        if not members:
            return
        key = tuple(members)
        parsed = self._parsed.get(key)
        jtis, sids, not_before = parsed if parsed is not None else self._parsed_set(key)
        jti, sid = claims.get("jti"), claims.get("sid")
        if (isinstance(jti, str) and jti in jtis) or (isinstance(sid, str) and sid in sids):
            raise TokenRevoked()
        if float(claims["iat"]) <= not_before:
            raise TokenRevoked("every token of this subject issued before a revocation is refused")

    def _parsed_set(self, members: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str], float]:
        """(revoked jtis, revoked sids, latest "not before") of a set, parsed once per distinct content."""
        hit = self._parsed.get(members)
        if hit is None:
            jtis: set[str] = set()
            sids: set[str] = set()
            not_before = -math.inf
            for member in members:
                kind, _, value = member.partition(":")
                if kind == "j":
                    jtis.add(value)
                elif kind == "f":
                    sids.add(value)
                elif kind == "n":
                    with contextlib.suppress(ValueError):
                        not_before = max(not_before, float(value))
            if len(self._parsed) >= 4096:  # bounded: sets change rarely, a full cache starts afresh
                self._parsed.clear()
            hit = self._parsed[members] = (frozenset(jtis), frozenset(sids), not_before)
        return hit


__all__ = ["Revocations"]
