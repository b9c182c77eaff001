"""The four rate-limit strategies as pure functions over (state, now, cost).

Every strategy keeps at most three numbers per (key, limit), so the memory and SQLite stores share this code
and ``stores/lua/ratelimit.lua`` mirrors it line for line for Redis. A state of ``None`` means "never seen".

=================  =========================  ==========================================================
strategy           state                      guarantee (for any arrival sequence)
=================  =========================  ==========================================================
fixed_window       (window start, used, 0)    each epoch-aligned window [kW, (k+1)W) admits <= amount
sliding_window     (window start, prev, cur)  each aligned window admits <= amount, and any interval of
                                              length W admits < 2 x amount (weighted-counter estimate)
token_bucket       (tokens, last refill, 0)   any interval of length L admits <= burst + rate x L
gcra               (theoretical arrival, 0,0) same bound as token_bucket, with one number of state
=================  =========================  ==========================================================

Each function returns the :class:`LimitState` for this request, the state to store *if the whole request is
admitted* (a denied request consumes nothing), and how long that state must be kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from math import floor as _floor

from apishield.ratelimit.limits import Limit, LimitState

State = tuple[float, float, float]
Outcome = tuple[LimitState, State, float]
EPS = 1e-3
"""Slack in units (float noise at epoch magnitudes is ~1e-7 s): never admits a thousandth of a unit more."""


_make_state = tuple.__new__  # builds the named tuple without its Python-level __new__ (hot path)


def _units(value: float) -> int:
    """Whole units left, tolerant of float noise (3.8 / 0.2 is 18.999999999999996)."""
    return max(0, math.floor(value + EPS))


def _same_window(stored: float, start: float, window: float) -> bool:
    # stored starts round-trip through text in SQLite/Redis; compare with half a window of slack
    return abs(stored - start) < window / 2


def fixed_window(limit: Limit, state: State | None, now: float, cost: int) -> Outcome:
    window = limit.window
    start = _floor(now / window) * window
    used = state[1] if state is not None and abs(state[0] - start) < window / 2 else 0.0
    reset = start + window - now
    left = limit.amount - used - cost
    if left >= -EPS:
        st = LimitState(limit, True, _floor(left + EPS) if left > 0 else 0, reset, 0.0)
        return st, (start, used + cost, 0.0), reset
    st = LimitState(limit, False, max(0, _units(limit.amount - used)), reset, reset)
    return st, (start, used, 0.0), reset


def sliding_window(limit: Limit, state: State | None, now: float, cost: int) -> Outcome:
    window = limit.window
    amount = float(limit.amount)
    start = _floor(now / window) * window
    prev = cur = 0.0
    if state is not None:
        # _same_window(state[0], start, window), then with start - window: inlined (the hot path of every hit)
        if abs(state[0] - start) < window / 2:
            prev, cur = state[1], state[2]
        elif abs(state[0] - (start - window)) < window / 2:
            prev = state[2]
    elapsed = now - start
    weight = 1.0 - elapsed / window
    estimate = prev * weight + cur
    keep = start + 2 * window - now
    if estimate + cost <= amount + EPS:
        new_cur = cur + cost
        left = amount - (prev * weight + new_cur)
        reset = keep if new_cur > 0 else start + window - now
        units = _floor(left + EPS)  # _units(left), inlined
        st = _make_state(LimitState, (limit, True, units if units > 0 else 0, reset, 0.0))
        return st, (start, prev, new_cur), keep
    if cost > amount:
        retry = keep
    elif cur + cost <= amount:
        # wait for the previous window's weight to decay enough within this window
        need = 1.0 - (amount - cur - cost) / prev if prev > 0 else 0.0
        retry = max(0.0, start + window * need - now)
    else:
        # wait for the next window, then for this window's count (its "prev" by then) to decay
        need = 1.0 - (amount - cost) / cur if cur > 0 else 0.0
        retry = start + window - now + window * max(0.0, need)
    reset = keep if cur > 0 else start + window - now
    st = LimitState(limit, False, max(0, _units(amount - estimate)), reset, retry)
    return st, (start, prev, cur), keep


def token_bucket(limit: Limit, state: State | None, now: float, cost: int) -> Outcome:
    capacity = float(limit.capacity)
    rate = limit.rate
    if state is None:
        tokens, last = capacity, now
    else:
        tokens, last = state[0], state[1]
        if now > last:
            tokens = min(capacity, tokens + (now - last) * rate)
            last = now
    if tokens + EPS >= cost:
        left = max(0.0, tokens - cost)
        full = (capacity - left) / rate
        return LimitState(limit, True, _units(left), full, 0.0), (left, last, 0.0), full
    full = (capacity - tokens) / rate
    retry = (cost - tokens) / rate if cost <= capacity else full
    return LimitState(limit, False, _units(tokens), full, retry), (tokens, last, 0.0), full


def gcra(limit: Limit, state: State | None, now: float, cost: int) -> Outcome:
    interval = limit.window / limit.amount
    tolerance = limit.capacity * interval
    tat = now if state is None else max(state[0], now)
    new_tat = tat + cost * interval
    if new_tat - now <= tolerance + EPS * interval:
        left = (tolerance - (new_tat - now)) / interval
        reset = new_tat - now
        return LimitState(limit, True, max(0, _units(left)), reset, 0.0), (new_tat, 0.0, 0.0), reset
    left = (tolerance - (tat - now)) / interval
    reset = tat - now
    retry = new_tat - now - tolerance if cost <= limit.capacity else reset
    return LimitState(limit, False, max(0, _units(left)), reset, retry), (tat, 0.0, 0.0), max(reset, EPS)


STRATEGY_FUNCTIONS: dict[str, Callable[[Limit, State | None, float, int], Outcome]] = {
    "fixed_window": fixed_window,
    "sliding_window": sliding_window,
    "token_bucket": token_bucket,
    "gcra": gcra,
}


def decide(limit: Limit, state: State | None, now: float, cost: int) -> Outcome:
    """Run ``limit``'s strategy."""
    return STRATEGY_FUNCTIONS[limit.strategy](limit, state, now, cost)


def decide_all(
    limits: Sequence[Limit], states: list[State | None], now: float, cost: int
) -> tuple[list[LimitState], list[tuple[State, float]] | None]:
    """Decide every limit; the writes to make (state, ttl per limit) or ``None`` when denied (write nothing)."""
    results: list[LimitState] = []
    writes: list[tuple[State, float]] = []
    allowed = True
    for limit, state in zip(limits, states, strict=True):
        st, new_state, ttl = decide(limit, state, now, cost)
        results.append(st)
        writes.append((new_state, ttl))
        allowed = allowed and st.allowed
    if allowed:
        return results, writes
    # a denied request consumes nothing: allowed limits report what they would have left without it
    return [_unconsumed(st, cost) if st.allowed else st for st in results], None


def _unconsumed(st: LimitState, cost: int) -> LimitState:
    return LimitState(st.limit, True, min(st.limit.capacity, st.remaining + cost), st.reset_after, 0.0)


__all__ = [
    "EPS",
    "STRATEGY_FUNCTIONS",
    "State",
    "decide",
    "decide_all",
    "fixed_window",
    "gcra",
    "sliding_window",
    "token_bucket",
]
