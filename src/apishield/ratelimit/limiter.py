"""``RateLimiter``: decide a request against several limits in one atomic store call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from apishield.errors import ConfigError
from apishield.ratelimit.headers import build_headers
from apishield.ratelimit.limits import Limit, LimitState, parse_limits

if TYPE_CHECKING:
    from apishield.stores.base import Store

LimitSpec = str | Limit | Sequence[str | Limit | Sequence[Limit]]


class Decision(NamedTuple):
    """The answer for one request (a named tuple: cheap on the hot path).

    ``limit`` is the limit that decided it (the one that denied, or the one closest to running out);
    ``remaining``/``reset_after`` are that limit's; ``retry_after`` is how long to wait before the same
    request could pass (0 when allowed). ``states`` holds every limit's outcome, for headers.
    """

    allowed: bool
    limit: Limit | None
    remaining: int
    reset_after: float
    retry_after: float
    states: tuple[LimitState, ...] = ()

    def __bool__(self) -> bool:
        """``if limiter.hit(...):`` means "allowed" (a plain tuple would always be true)."""
        return self.allowed

    def headers(self, legacy: bool = False) -> dict[str, str]:
        """``RateLimit-Policy`` and ``RateLimit`` (plus ``Retry-After`` when denied, legacy ones on request)."""
        return build_headers(self.states, allowed=self.allowed, retry_after=self.retry_after, legacy=legacy)

    @classmethod
    def from_states(cls, states: Sequence[LimitState]) -> Decision:
        """Combine per-limit outcomes: denied when any limit denies; the binding limit's figures."""
        if len(states) == 1:
            st = states[0]
            return cls(st.allowed, st.limit, st.remaining, st.reset_after, st.retry_after, (st,))
        if not states:
            return cls(True, None, 2**31 - 1, 0.0, 0.0, ())
        denied = [st for st in states if not st.allowed]
        if denied:
            worst = max(denied, key=lambda st: st.retry_after)
            return cls(False, worst.limit, worst.remaining, worst.reset_after, worst.retry_after, tuple(states))
        tight = min(states, key=lambda st: (st.remaining, -st.reset_after))
        return cls(True, tight.limit, tight.remaining, tight.reset_after, 0.0, tuple(states))


_MAX_COST = 2**53
_make_decision = tuple.__new__  # builds the named tuple without its Python-level __new__ (hot path)


def compile_limits(spec: LimitSpec) -> tuple[Limit, ...]:
    """Turn a limit string, a :class:`Limit`, or a sequence of either (or of sequences) into a flat tuple."""
    if isinstance(spec, str):
        return parse_limits(spec)
    if isinstance(spec, Limit):
        return (spec,)
    out: list[Limit] = []
    for item in spec:
        if isinstance(item, str):
            out.extend(parse_limits(item))
        elif isinstance(item, Limit):
            out.append(item)
        elif isinstance(item, Sequence):
            out.extend(compile_limits(item))
        else:
            raise ConfigError(f"rate limits: expected a limit string or Limit, not {type(item).__name__}")
    ids = [lim.id for lim in out]
    if len(set(ids)) != len(ids):
        raise ConfigError("rate limits: the same limit is listed twice; give each a distinct name")
    return tuple(out)


class RateLimiter:
    """Decides requests against limits kept in a :class:`~apishield.stores.base.Store`.

    ``hit(key, "10/second; 1000/day")`` decides every limit in one atomic store operation and consumes
    ``cost`` from all of them only when all allow it. Limit strings and sequences are compiled once and
    cached.
    """

    def __init__(self, store: Store, *, prefix: str = "rl") -> None:
        self.store = store
        self.prefix = prefix
        self._prefix = prefix + ":"
        self._compiled: dict[object, tuple[Limit, ...]] = {}
        #: the last spec looked up and its compiled limits, one tuple (swapped atomically): a guard passes the
        #: same spec object on every request, and hashing a tuple of Limits costs a Python call per Limit
        self._last: tuple[object, tuple[Limit, ...]] = ((), ())

    def compile(self, limits: LimitSpec) -> tuple[Limit, ...]:
        """The limits as a tuple, compiled once per distinct spec."""
        try:
            cache_key: object = limits if isinstance(limits, str | Limit | tuple) else tuple(limits)
            hit = self._compiled.get(cache_key)
        except TypeError:  # unhashable contents (nested lists)
            return compile_limits(limits)
        if hit is None:
            hit = compile_limits(limits)
            if len(self._compiled) < 4096:
                self._compiled[cache_key] = hit
        return hit

    def _lookup(self, limits: LimitSpec) -> tuple[Limit, ...]:
        """The compiled limits for ``limits``: by identity for the spec seen last (only hashable specs, which are
        immutable, are remembered so), else from the cache, else compiled."""
        last = self._last
        if last[0] is limits:
            return last[1]
        try:
            compiled = self._compiled[limits]
        except (KeyError, TypeError):
            return self.compile(limits)
        self._last = (limits, compiled)
        return compiled

    def hit(self, key: str, limits: LimitSpec, cost: int = 1) -> Decision:
        """Consume ``cost`` units for ``key`` from every limit, or from none when any would be exceeded.

        Raises :class:`~apishield.errors.StoreError` when the store fails (the guard decides what then).
        """
        if type(cost) is not int or cost < 0:
            raise ConfigError(f"rate limit cost must be a whole number >= 0, not {cost!r}")
        if cost > _MAX_COST:  # more than any capacity: denied either way, and floats cannot overflow
            cost = _MAX_COST
        last = self._last  # _lookup(limits), its identity hit inlined
        compiled = last[1] if last[0] is limits else self._lookup(limits)
        if not compiled:
            return Decision.from_states(())
        states = self.store.hit(self._prefix + key, compiled, cost)
        if len(states) == 1:  # the common case, inlined
            st = states[0]
            return _make_decision(Decision, (st[1], st[0], st[2], st[3], st[4], (st,)))
        return Decision.from_states(states)

    def hit_unless_banned(
        self, key: str, limits: LimitSpec, cost: int, ban_key: str
    ) -> tuple[float | None, Decision | None]:
        """``(seconds left, None)`` while ``ban_key`` is banned (nothing consumed), else ``(None, hit(...))``.

        The ban check and the limits are one atomic store operation, one round trip on Redis.
        """
        if type(cost) is not int or cost < 0:
            raise ConfigError(f"rate limit cost must be a whole number >= 0, not {cost!r}")
        last = self._last  # _lookup(limits), its identity hit inlined
        compiled = last[1] if last[0] is limits else self._lookup(limits)
        banned, states = self.store.hit_unless_banned(self._prefix + key, compiled, min(cost, _MAX_COST), ban_key)
        if banned is not None:
            return banned, None
        if len(states) == 1:  # the common case, inlined as in hit()
            st = states[0]
            return None, _make_decision(Decision, (st[1], st[0], st[2], st[3], st[4], (st,)))
        return None, Decision.from_states(states)

    def hit_and_read(
        self, key: str, limits: LimitSpec, cost: int, ban_key: str | None, sets: Sequence[str]
    ) -> tuple[float | None, Decision | None, list[list[str]]]:
        """:meth:`hit_unless_banned` (``ban_key=None``: :meth:`hit`) and the members of ``sets``, in one store
        call (:meth:`~apishield.stores.base.Store.hit_and_read`): ``(seconds banned, decision, members)``."""
        if type(cost) is not int or cost < 0:
            raise ConfigError(f"rate limit cost must be a whole number >= 0, not {cost!r}")
        last = self._last  # _lookup(limits), its identity hit inlined
        compiled = last[1] if last[0] is limits else self._lookup(limits)
        cost = min(cost, _MAX_COST)
        banned, states, found = self.store.hit_and_read(self._prefix + key, compiled, cost, ban_key, sets)
        if banned is not None:
            return banned, None, found
        if len(states) == 1:  # the common case, inlined as in hit()
            st = states[0]
            return None, _make_decision(Decision, (st[1], st[0], st[2], st[3], st[4], (st,))), found
        return None, Decision.from_states(states), found

    def peek(self, key: str, limits: LimitSpec) -> Decision:
        """The current state without consuming anything (a cost-0 hit)."""
        return self.hit(key, limits, 0)


__all__ = ["Decision", "LimitSpec", "RateLimiter", "compile_limits"]
