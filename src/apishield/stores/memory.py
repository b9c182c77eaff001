"""In-process store: dicts guarded by one lock. Fast, exact, but not shared between processes.

Bounded state: after a number of writes proportional to the entries held, the store drops every expired
entry (values, counters, set members, rate-limit state alike) and rebuilds its tables, so memory falls back
after expiry; the cost is a small constant per write, paid in one pass. ``max_entries`` caps the number of
entries; when a new entry would pass it, expired entries are dropped first, then the oldest rate-limit
state, then the oldest counters (violation and failed-login counts). Values and sets (bans, revocations, API
keys, sessions) are never evicted: when only they fill the store, writes fail with
:class:`~apishield.errors.StoreError` instead.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from apishield.errors import ConfigError, StoreError
from apishield.ratelimit.strategies import STRATEGY_FUNCTIONS, State, decide_all
from apishield.stores.counters import Counted, CounterOp, Entry, check_ops, decide_counters
from apishield.types import Clock

if TYPE_CHECKING:
    from apishield.ratelimit.limits import Limit, LimitState

_SWEEP_MIN = 10_000  # writes between sweeps, at least
_EVICT_FRACTION = 0.01  # share of max_entries evicted at once when full
#: every memory store alive in this process, for the pytest plugin's per-test reset (apishield.testing)
OPEN_STORES: weakref.WeakSet[MemoryStore] = weakref.WeakSet()


class MemoryStore:
    """A :class:`~apishield.stores.base.Store` kept in this process's memory (see the module docstring)."""

    #: every call is in-process: fetching a request's reads with its decision saves nothing (``stores.ahead``)
    read_ahead = False

    def __init__(self, url: str = "memory://", *, clock: Clock = time.time, max_entries: int = 1_000_000) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 100:
            raise ConfigError(f"memory store max_entries must be a whole number >= 100, not {max_entries!r}")
        self.url = url
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._values: dict[str, tuple[str, float | None]] = {}
        self._counters: dict[str, tuple[int, float | None]] = {}
        self._sets: dict[str, dict[str, float | None]] = {}
        # rate-limit state per (key, limit id): (strategy state, expiry); owned by the rate-limit strategies
        self._rl: dict[str, tuple[State, float]] = {}
        self._writes = 0
        self._sweep_at = _SWEEP_MIN
        OPEN_STORES.add(self)

    def __len__(self) -> int:
        """Entries held (values, counters, sets, rate-limit states), expired ones not yet swept included."""
        return len(self._values) + len(self._counters) + len(self._sets) + len(self._rl)

    def now(self) -> float:
        return self._clock()

    @staticmethod
    def _deadline(now: float, ttl: float | None) -> float | None:
        return None if ttl is None else now + ttl

    @staticmethod
    def _alive(deadline: float | None, now: float) -> bool:
        return deadline is None or deadline > now

    # --- bounded state (all called under the lock) -----------------------------------------------
    def _wrote(self, now: float) -> None:
        self._writes += 1
        if self._writes >= self._sweep_at:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        """Rebuild every map without its expired entries (which also gives the memory of the old tables back).

        Runs after a number of writes equal to a quarter of the entries held (at least 10,000), so its cost,
        linear in the entries, is a small constant per write.
        """
        self._rl = {k: v for k, v in self._rl.items() if v[1] > now}
        self._counters = {k: v for k, v in self._counters.items() if v[1] is None or v[1] > now}
        self._values = {k: v for k, v in self._values.items() if v[1] is None or v[1] > now}
        sets: dict[str, dict[str, float | None]] = {}
        for key, bucket in self._sets.items():
            alive = {m: d for m, d in bucket.items() if d is None or d > now}
            if alive:
                sets[key] = alive
        self._sets = sets
        self._writes = 0
        self._sweep_at = max(_SWEEP_MIN, len(self) // 4)

    def sweep(self) -> None:
        """Drop every expired entry now (normally done by itself as the store is written)."""
        with self._lock:
            self._sweep(self._clock())

    def _make_room(self, now: float) -> None:
        """Called before adding an entry to a full store; raises when only values and sets are left."""
        self._sweep(now)
        if len(self) < self.max_entries:
            return
        quota = max(1, int(self.max_entries * _EVICT_FRACTION))
        for victims in (self._rl, self._counters):  # rate-limit state first, then counters; never bans
            for key in list(victims)[:quota]:
                del victims[key]
            if len(self) < self.max_entries:
                return
        raise StoreError(
            f"memory store full: {len(self)} entries, none of them evictable (values and sets are never evicted); "
            "raise max_entries or use a shared store"
        )

    def _new_entry(self, now: float) -> None:
        if len(self) >= self.max_entries:
            self._make_room(now)

    # --- key/value -------------------------------------------------------------------------------
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
            now = self._clock()
            if key not in self._values:
                self._new_entry(now)
            self._values[key] = (value, self._deadline(now, ttl))
            self._wrote(now)

    def set_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        with self._lock:
            now = self._clock()
            item = self._values.get(key)
            if item is not None and self._alive(item[1], now):
                return False
            if item is None:
                self._new_entry(now)
            self._values[key] = (value, self._deadline(now, ttl))
            self._wrote(now)
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

    # --- counters --------------------------------------------------------------------------------
    def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        with self._lock:
            now = self._clock()
            item = self._counters.get(key)
            if item is None or not self._alive(item[1], now):
                if item is None:
                    self._new_entry(now)
                item = (0, self._deadline(now, ttl))
            value = item[0] + amount
            self._counters[key] = (value, item[1])
            self._wrote(now)
            return value

    def add_counters(self, ops: Sequence[CounterOp], ban_key: str | None = None) -> Counted:
        """Every counter under one lock, all or nothing (see :mod:`apishield.stores.counters`)."""
        check_ops(ops)
        with self._lock:
            now = self._clock()
            if ban_key is not None:
                ban = self._values.get(ban_key)
                if ban is not None and ban[1] is not None and ban[1] > now:
                    return Counted(False, banned=ban[1] - now)
            counters = self._counters
            current: list[Entry | None] = []
            for op in ops:
                item = counters.get(op.key)
                current.append(item if item is not None and self._alive(item[1], now) else None)
            counted, writes = decide_counters(ops, current, now)
            if writes is not None:
                for op, entry in zip(ops, writes, strict=True):
                    if entry is None:
                        counters.pop(op.key, None)
                    else:
                        if op.key not in counters:
                            self._new_entry(now)
                        counters[op.key] = entry
                self._wrote(now)
            return counted

    # --- membership ------------------------------------------------------------------------------
    def add_member(self, key: str, member: str, ttl: float | None = None) -> None:
        with self._lock:
            now = self._clock()
            bucket = self._sets.get(key)
            if bucket is None:
                self._new_entry(now)
                bucket = self._sets[key] = {}
            bucket[member] = self._deadline(now, ttl)
            self._wrote(now)

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
            return self._members(key, self._clock())

    def _members(self, key: str, now: float) -> list[str]:
        """Unexpired members of ``key`` (the caller holds the lock); expired ones are dropped."""
        bucket = self._sets.get(key)
        if not bucket:
            return []
        live = []
        for member, deadline in bucket.items():  # one pass, no call per member (revocation hot path)
            if deadline is None or deadline > now:
                live.append(member)
        if len(live) < len(bucket):
            for member in [m for m, d in bucket.items() if not self._alive(d, now)]:
                del bucket[member]
        return live

    def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` (a value or counter) expires; ``None`` when missing, expired or without TTL."""
        with self._lock:
            now = self._clock()
            item = self._values.get(key) or self._counters.get(key)
            if item is None or item[1] is None or not self._alive(item[1], now):
                return None
            return item[1] - now

    # --- rate limiting ---------------------------------------------------------------------------
    def hit(self, key: str, limits: Sequence[Limit], cost: int = 1) -> list[LimitState]:
        """Decide all ``limits`` under one lock; nothing is consumed unless every limit allows ``cost``."""
        if len(limits) == 1:  # the common case, without the lists
            with self._lock:
                return self._hit_one(key, limits[0], cost, self._clock())
        with self._lock:
            return self._decide(key, limits, cost, self._clock())

    def _hit_one(self, key: str, limit: Limit, cost: int, now: float) -> list[LimitState]:
        """One limit for ``key`` (the caller holds the lock): the hot path of :meth:`hit`."""
        name = key + "\x1f" + limit.id
        rl = self._rl  # read under the lock: a sweep replaces the table
        item = rl.get(name)
        state = item[0] if item is not None and item[1] > now else None
        result, new_state, ttl = STRATEGY_FUNCTIONS[limit.strategy](limit, state, now, cost)
        if result.allowed:
            if item is None and len(self) >= self.max_entries:
                self._make_room(now)
            rl[name] = (new_state, now + ttl)
        self._writes += 1  # _wrote(), inlined on the hot path
        if self._writes >= self._sweep_at:
            self._sweep(now)
        return [result]

    def hit_unless_banned(
        self, key: str, limits: Sequence[Limit], cost: int, ban_key: str
    ) -> tuple[float | None, list[LimitState]]:
        """The ban check and every limit under one lock (:meth:`hit_and_read` without sets, inlined: the memory
        store's hot path, as it is not read ahead)."""
        with self._lock:
            now = self._clock()
            ban = self._values.get(ban_key)
            if ban is not None and ban[1] is not None and ban[1] > now:
                return ban[1] - now, []
            if len(limits) == 1:
                return None, self._hit_one(key, limits[0], cost, now)
            return None, self._decide(key, limits, cost, now)

    def hit_and_read(
        self, key: str, limits: Sequence[Limit], cost: int, ban_key: str | None, sets: Sequence[str]
    ) -> tuple[float | None, list[LimitState], list[list[str]]]:
        """The ban check, every limit and the members of ``sets`` under one lock."""
        with self._lock:
            now = self._clock()
            ban = self._values.get(ban_key) if ban_key is not None else None
            if ban is not None and ban[1] is not None and ban[1] > now:
                return ban[1] - now, [], []
            found = [self._members(name, now) for name in sets]
            if len(limits) == 1:
                return None, self._hit_one(key, limits[0], cost, now), found
            return None, self._decide(key, limits, cost, now), found

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
            if len(self) + len(names) > self.max_entries:
                self._make_room(now)
            for name, (state, ttl) in zip(names, writes, strict=True):
                rl[name] = (state, now + ttl)
        self._wrote(now)
        return results

    def snapshot(self) -> Any:
        """A copy of everything held, for :meth:`restore` (tests: undo what one test counted)."""
        with self._lock:
            sets = {k: dict(v) for k, v in self._sets.items()}
            return (dict(self._values), dict(self._counters), sets, dict(self._rl))

    def restore(self, snapshot: Any) -> None:
        """Put back exactly what :meth:`snapshot` held (entries written since are dropped)."""
        values, counters, sets, rl = snapshot
        with self._lock:
            self._values = dict(values)
            self._counters = dict(counters)
            self._sets = {k: dict(v) for k, v in sets.items()}
            self._rl = dict(rl)

    def close(self) -> None:
        with self._lock:
            self._values.clear()
            self._counters.clear()
            self._sets.clear()
            self._rl.clear()
