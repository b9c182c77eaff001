"""In-process store: a dict guarded by one lock. Fast, exact, but not shared between processes."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from apishield.ratelimit.strategies import STRATEGY_FUNCTIONS, State, decide_all
from apishield.types import Clock

if TYPE_CHECKING:
    from apishield.ratelimit.limits import Limit, LimitState


class MemoryStore:
    """A :class:`~apishield.stores.base.Store` kept in this process's memory."""

    def __init__(self, url: str = "memory://", *, clock: Clock = time.time) -> None:
        self.url = url
        self._clock = clock
        self._lock = threading.Lock()
        self._values: dict[str, tuple[str, float | None]] = {}
        self._counters: dict[str, tuple[int, float | None]] = {}
        self._sets: dict[str, dict[str, float | None]] = {}
        # rate-limit state per (key, limit id): (strategy state, expiry); owned by the rate-limit strategies
        self._rl: dict[str, tuple[State, float]] = {}
        self._hits_since_sweep = 0

    def now(self) -> float:
        return self._clock()

    @staticmethod
    def _deadline(now: float, ttl: float | None) -> float | None:
        return None if ttl is None else now + ttl

    @staticmethod
    def _alive(deadline: float | None, now: float) -> bool:
        return deadline is None or deadline > now

    # key/value
    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._values.get(key)
            if item is None:
                return None
            if not self._alive(item[1], self._clock()):
                del self._values[key]
                return None
            return item[0]

    def set(self, key: str, value: str, ttl: float | None = None) -> None:
        with self._lock:
            self._values[key] = (value, self._deadline(self._clock(), ttl))

    def set_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        with self._lock:
            now = self._clock()
            item = self._values.get(key)
            if item is not None and self._alive(item[1], now):
                return False
            self._values[key] = (value, self._deadline(now, ttl))
            return True

    def pop(self, key: str) -> str | None:
        with self._lock:
            item = self._values.pop(key, None)
            if item is None or not self._alive(item[1], self._clock()):
                return None
            return item[0]

    def delete(self, key: str) -> None:
        with self._lock:
            self._values.pop(key, None)
            self._counters.pop(key, None)
            self._sets.pop(key, None)

    # counters
    def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        with self._lock:
            now = self._clock()
            item = self._counters.get(key)
            if item is None or not self._alive(item[1], now):
                item = (0, self._deadline(now, ttl))
            value = item[0] + amount
            self._counters[key] = (value, item[1])
            return value

    # membership
    def add_member(self, key: str, member: str, ttl: float | None = None) -> None:
        with self._lock:
            self._sets.setdefault(key, {})[member] = self._deadline(self._clock(), ttl)

    def is_member(self, key: str, member: str) -> bool:
        with self._lock:
            bucket = self._sets.get(key)
            if not bucket or member not in bucket:
                return False
            if not self._alive(bucket[member], self._clock()):
                del bucket[member]
                return False
            return True

    def remove_member(self, key: str, member: str) -> None:
        with self._lock:
            bucket = self._sets.get(key)
            if bucket is not None:
                bucket.pop(member, None)

    def members(self, key: str) -> list[str]:
        with self._lock:
            bucket = self._sets.get(key)
            if not bucket:
                return []
            now = self._clock()
            for member in [m for m, d in bucket.items() if not self._alive(d, now)]:
                del bucket[member]
            return list(bucket)

    def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` (a value or counter) expires; ``None`` when missing, expired or without TTL."""
        with self._lock:
            now = self._clock()
            item = self._values.get(key) or self._counters.get(key)
            if item is None or item[1] is None or not self._alive(item[1], now):
                return None
            return item[1] - now

    # rate limiting
    def hit(self, key: str, limits: Sequence[Limit], cost: int = 1) -> list[LimitState]:
        """Decide all ``limits`` under one lock; nothing is consumed unless every limit allows ``cost``."""
        rl = self._rl
        if len(limits) == 1:  # the common case, without the lists
            limit = limits[0]
            name = key + "\x1f" + limit.id
            with self._lock:
                now = self._clock()
                item = rl.get(name)
                state = item[0] if item is not None and item[1] > now else None
                result, new_state, ttl = STRATEGY_FUNCTIONS[limit.strategy](limit, state, now, cost)
                if result.allowed:
                    rl[name] = (new_state, now + ttl)
                self._hits_since_sweep += 1
                if self._hits_since_sweep >= 10_000:
                    self._sweep(now)
                return [result]
        with self._lock:
            return self._decide(key, limits, cost, self._clock())

    def hit_unless_banned(
        self, key: str, limits: Sequence[Limit], cost: int, ban_key: str
    ) -> tuple[float | None, list[LimitState]]:
        """The ban check and every limit under one lock."""
        with self._lock:
            now = self._clock()
            ban = self._values.get(ban_key)
            if ban is not None and ban[1] is not None and ban[1] > now:
                return ban[1] - now, []
            return None, self._decide(key, limits, cost, now)

    def _decide(self, key: str, limits: Sequence[Limit], cost: int, now: float) -> list[LimitState]:
        """Every limit for ``key`` (the caller holds the lock)."""
        rl = self._rl
        names = [f"{key}\x1f{limit.id}" for limit in limits]
        states: list[State | None] = []
        for name in names:
            item = rl.get(name)
            states.append(item[0] if item is not None and item[1] > now else None)
        results, writes = decide_all(limits, states, now, cost)
        if writes is not None:
            for name, (state, ttl) in zip(names, writes, strict=True):
                rl[name] = (state, now + ttl)
        self._hits_since_sweep += 1
        if self._hits_since_sweep >= 10_000:
            self._sweep(now)
        return results

    def _sweep(self, now: float) -> None:
        """Drop expired rate-limit state (called under the lock every 10,000 hits)."""
        self._hits_since_sweep = 0
        rl = self._rl
        for name in [n for n, (_, exp) in rl.items() if exp <= now]:
            del rl[name]

    def close(self) -> None:
        with self._lock:
            self._values.clear()
            self._counters.clear()
            self._sets.clear()
            self._rl.clear()
