"""The store protocol: the atomic state operations every guard needs.

Each operation is atomic on its own (one Lua script in Redis, one ``BEGIN IMMEDIATE`` transaction in SQLite,
one lock in memory), so several processes sharing a store never race. Values are ``str`` (callers store
JSON); keys are plain strings that callers namespace (``"apikey:<id>"``). TTLs are in seconds; ``None``
means no expiry. Expired entries behave exactly like missing ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from apishield.ratelimit.limits import Limit, LimitState
    from apishield.stores.counters import Counted, CounterOp


def redact_url(url: str) -> str:
    """``url`` without its credentials (``redis://***@host:6379/0``), for error messages and logs.

    Everything up to the last ``@`` after the scheme is userinfo (passwords may hold a stray ``@``);
    redacting a little too much in an odd URL is better than echoing a password.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"


@runtime_checkable
class Store(Protocol):
    """Shared state for guards. Implementations: memory, SQLite, Redis."""

    url: str

    def now(self) -> float:
        """The store's clock in epoch seconds (Redis: the server's ``TIME``, so skewed app clocks agree)."""
        ...

    # --- key/value -------------------------------------------------------------------------
    def get(self, key: str) -> str | None:
        """The value stored under ``key``, or ``None`` when missing or expired."""
        ...

    def set(self, key: str, value: str, ttl: float | None = None) -> None:
        """Store ``value`` under ``key``, replacing any previous value and TTL."""
        ...

    def set_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        """Store only when ``key`` is missing or expired. True when this call stored it."""
        ...

    def pop(self, key: str) -> str | None:
        """Atomically read and delete ``key`` (single-use codes, refresh-token rotation)."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; missing keys are ignored."""
        ...

    def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` (a value or counter) expires; ``None`` when missing, expired or without TTL."""
        ...

    # --- counters ----------------------------------------------------------------------------
    def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        """Add ``amount`` and return the new value. ``ttl`` is applied only when the counter is created."""
        ...

    def add_counters(self, ops: Sequence[CounterOp], ban_key: str | None = None) -> Counted:
        """Change several counters in one atomic call (one round trip in Redis), all or nothing: refused, and
        nothing written, when any ``limit`` would be passed or while ``ban_key`` is banned. The rules are in
        :mod:`apishield.stores.counters`; in a Redis Cluster every counter must share one hash tag."""
        ...

    # --- membership with per-member TTL (denylists, bans, indexes) ----------------------------
    def add_member(self, key: str, member: str, ttl: float | None = None) -> None:
        """Add ``member`` to the set ``key``; it expires on its own after ``ttl`` seconds."""
        ...

    def is_member(self, key: str, member: str) -> bool:
        """True when ``member`` is in the set and not expired."""
        ...

    def remove_member(self, key: str, member: str) -> None:
        """Remove ``member`` from the set; missing members are ignored."""
        ...

    def members(self, key: str) -> list[str]:
        """Unexpired members of the set, in insertion order where the backend keeps it."""
        ...

    # --- rate limiting -----------------------------------------------------------------------
    def hit(self, key: str, limits: Sequence[Limit], cost: int = 1) -> list[LimitState]:
        """Decide all ``limits`` for ``key`` at once; consume ``cost`` only when every limit allows it."""
        ...

    def hit_unless_banned(
        self, key: str, limits: Sequence[Limit], cost: int, ban_key: str
    ) -> tuple[float | None, list[LimitState]]:
        """``(seconds left, [])`` while ``ban_key`` (a value with a TTL) lives, else ``(None, hit(...))``.

        One atomic operation (one round trip in Redis): a banned client consumes nothing. In a Redis Cluster
        ``key`` and ``ban_key`` must share a hash tag to be decided in one call; otherwise the store reads the
        ban first and then decides the limits, in two round trips.
        """
        ...

    def hit_and_read(
        self, key: str, limits: Sequence[Limit], cost: int, ban_key: str | None, sets: Sequence[str]
    ) -> tuple[float | None, list[LimitState], list[list[str]]]:
        """:meth:`hit_unless_banned` (``ban_key=None``: :meth:`hit`) and :meth:`members` of each of ``sets``, in
        one atomic operation (one round trip in Redis): ``(seconds banned, states, members of each set)``, the
        members empty while banned. The shield reads what a request's authentication will need (its token's
        revocation set) in the call that decides its rate limits. In a Redis Cluster a set in another hash
        slot than ``key`` is read in a round trip of its own.
        """
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


__all__ = ["Store", "redact_url"]
