"""Each strategy with an injected clock: exact examples, window edges, and hypothesis invariants.

Invariants checked for any arrival sequence (``A`` = amount, ``W`` = window, ``B`` = burst):

* fixed window: every epoch-aligned window ``[kW, (k+1)W)`` admits at most ``A`` units.
* sliding-window counter (an approximation): every aligned window admits at most ``A``, and an interval
  ``[t, t+W)`` starting a fraction ``g`` into an aligned window admits at most ``A * (1 + g)`` (< 2A).
* token bucket and GCRA: any closed interval of length ``L`` admits at most ``B + L * A / W``.

Plus, for every strategy: a denied request consumes nothing (replaying only the admitted requests admits
all of them with the same remaining counts), and waiting ``retry_after`` after a denial lets the same
request through.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apishield.ratelimit import Limit, RateLimiter
from apishield.stores import MemoryStore

from ._helpers import FakeClock, run_sequence

EPS = 1e-2
arrivals = st.lists(
    st.tuples(st.floats(0, 3.0, allow_nan=False).map(lambda x: round(x, 3)), st.integers(1, 3)), max_size=60
)


def fresh(start: float = 1_700_000_000.0) -> tuple[MemoryStore, FakeClock]:
    clock = FakeClock(start)
    return MemoryStore(clock=clock), clock


# --- exact examples -----------------------------------------------------------------------------
def test_fixed_window_resets_exactly_at_the_aligned_edge() -> None:
    store, clock = fresh(1000.0)  # aligned: 1000 is a multiple of 10
    limiter = RateLimiter(store)
    lim = Limit(3, 10.0, strategy="fixed_window")
    clock.advance(9.999)
    assert [limiter.hit("k", [lim]).allowed for _ in range(4)] == [True, True, True, False]
    d = limiter.hit("k", [lim])
    assert d.retry_after == pytest.approx(0.001, abs=1e-6)
    clock.advance(0.001)  # the edge: a new window
    assert [limiter.hit("k", [lim]).allowed for _ in range(4)] == [True, True, True, False]


def test_fixed_window_allows_a_double_burst_at_the_edge_and_sliding_does_not() -> None:
    fixed, sliding = Limit(10, 60.0, strategy="fixed_window"), Limit(10, 60.0, strategy="sliding_window")
    for lim, expected in ((fixed, 20), (sliding, 10)):
        store, clock = fresh(6000.0 - 0.5)  # half a second before a window edge
        limiter = RateLimiter(store)
        admitted = sum(limiter.hit("k", [lim]).allowed for _ in range(10))
        clock.advance(1.0)
        admitted += sum(limiter.hit("k", [lim]).allowed for _ in range(10))
        assert admitted == expected


def test_sliding_window_weights_the_previous_window() -> None:
    store, clock = fresh(6000.0)
    limiter = RateLimiter(store)
    lim = Limit(10, 60.0, strategy="sliding_window")
    assert all(limiter.hit("k", [lim]).allowed for _ in range(10))
    clock.advance(60 + 15)  # 25% into the next window: previous counts 10 * 0.75 = 7.5
    results = [limiter.hit("k", [lim]).allowed for _ in range(4)]
    assert results == [True, True, False, False]


def test_token_bucket_bursts_then_refills_at_the_rate() -> None:
    store, clock = fresh()
    limiter = RateLimiter(store)
    lim = Limit(5, 1.0, burst=20, strategy="token_bucket")
    assert sum(limiter.hit("k", [lim]).allowed for _ in range(25)) == 20
    d = limiter.hit("k", [lim])
    assert not d.allowed and d.retry_after == pytest.approx(0.2)
    clock.advance(0.2)
    assert limiter.hit("k", [lim]).allowed
    assert not limiter.hit("k", [lim]).allowed
    clock.advance(100)
    assert limiter.hit("k", [lim]).remaining == 19  # refilled to the burst, not beyond


def test_gcra_matches_token_bucket_admissions() -> None:
    seq = [(0.0, 1)] * 25 + [(0.1, 1), (0.1, 1), (0.05, 2), (1.0, 3)] + [(0.01, 1)] * 10
    results = []
    for strategy in ("token_bucket", "gcra"):
        store, clock = fresh()
        lim = Limit(5, 1.0, burst=20, strategy=strategy)  # type: ignore[arg-type]
        results.append([(allowed, rem) for _, _, allowed, rem in run_sequence(store, clock, [lim], seq)])
    assert results[0] == results[1]


def test_several_limits_are_decided_together_and_a_denial_consumes_nothing() -> None:
    store, clock = fresh(6000.0)
    limiter = RateLimiter(store)
    assert all(limiter.hit("k", "2/second fixed; 3/minute fixed").allowed for _ in range(2))
    d = limiter.hit("k", "2/second fixed; 3/minute fixed")
    assert not d.allowed and d.limit is not None and d.limit.amount == 2
    minute = next(s for s in d.states if s.limit.amount == 3)
    assert minute.remaining == 1  # the denied request did not take the minute's last unit
    clock.advance(1.0)
    assert limiter.hit("k", "2/second fixed; 3/minute fixed").allowed
    d = limiter.hit("k", "2/second fixed; 3/minute fixed")
    assert not d.allowed and d.limit is not None and d.limit.amount == 3
    assert d.retry_after == pytest.approx(59.0)


def test_cost_larger_than_the_limit_is_denied_and_costs_nothing() -> None:
    store, _ = fresh()
    limiter = RateLimiter(store)
    for strategy in ("fixed_window", "sliding_window", "token_bucket", "gcra"):
        lim = Limit(5, 60.0, strategy=strategy)  # type: ignore[arg-type]
        assert not limiter.hit(strategy, [lim], cost=6).allowed
        assert limiter.hit(strategy, [lim], cost=5).allowed


def test_keys_are_independent() -> None:
    store, _ = fresh()
    limiter = RateLimiter(store)
    assert limiter.hit("a", "1/minute").allowed and not limiter.hit("a", "1/minute").allowed
    assert limiter.hit("b", "1/minute").allowed


# --- invariants ----------------------------------------------------------------------------------
limits_st = st.builds(
    lambda amount, window, strategy, burst: Limit(
        amount, window, burst if strategy in ("token_bucket", "gcra") else None, strategy
    ),
    st.integers(1, 8),
    st.sampled_from([1.0, 2.5, 10.0]),
    st.sampled_from(["fixed_window", "sliding_window", "token_bucket", "gcra"]),
    st.integers(1, 12),
)


def check_invariant(limit: Limit, admitted: list[tuple[float, int]]) -> None:
    amount, window = limit.amount, limit.window
    if limit.strategy in ("fixed_window", "sliding_window"):
        per_window: dict[int, int] = {}
        for t, cost in admitted:
            k = math.floor(t / window)
            per_window[k] = per_window.get(k, 0) + cost
        assert all(total <= amount for total in per_window.values()), per_window
    if limit.strategy == "sliding_window":
        for t0, _ in admitted:
            g = t0 / window - math.floor(t0 / window)
            total = sum(c for t, c in admitted if t0 <= t < t0 + window)
            assert total <= amount * (1 + g) + EPS, (t0, total)
    if limit.strategy in ("token_bucket", "gcra"):
        for i, (t0, _) in enumerate(admitted):
            total = 0
            for t, c in admitted[i:]:
                total += c
                assert total <= limit.capacity + (t - t0) * amount / window + EPS, (t0, t, total)


@given(limit=limits_st, seq=arrivals)
def test_no_strategy_admits_more_than_its_bound(limit: Limit, seq: list[tuple[float, int]]) -> None:
    store, clock = fresh()
    results = run_sequence(store, clock, [limit], seq)
    check_invariant(limit, [(t, c) for t, c, ok, _ in results if ok])


@given(limit=limits_st, seq=arrivals)
def test_denied_requests_consume_nothing(limit: Limit, seq: list[tuple[float, int]]) -> None:
    store, clock = fresh()
    results = run_sequence(store, clock, [limit], seq)
    admitted = [(t, c, rem) for t, c, ok, rem in results if ok]
    store2, clock2 = fresh()
    limiter = RateLimiter(store2)
    for t, c, rem in admitted:
        clock2.now = t
        d = limiter.hit("k", [limit], c)
        assert d.allowed and d.remaining == rem


@given(limit=limits_st, seq=arrivals, cost=st.integers(1, 3))
def test_waiting_retry_after_lets_the_request_through(limit: Limit, seq: list[tuple[float, int]], cost: int) -> None:
    if cost > limit.capacity:
        return
    store, clock = fresh()
    run_sequence(store, clock, [limit], seq)
    limiter = RateLimiter(store)
    d = limiter.hit("k", [limit], cost)
    if d.allowed:
        return
    assert d.retry_after > 0
    clock.advance(d.retry_after + 1e-4)
    assert limiter.hit("k", [limit], cost).allowed


@settings(max_examples=30)
@given(seq=arrivals)
def test_combined_limits_obey_each_bound(seq: list[tuple[float, int]]) -> None:
    limits = [Limit(3, 1.0, strategy="fixed_window"), Limit(6, 10.0, burst=4, strategy="gcra")]
    store, clock = fresh()
    results = run_sequence(store, clock, limits, seq)
    admitted = [(t, c) for t, c, ok, _ in results if ok]
    for limit in limits:
        check_invariant(limit, admitted)


def test_decision_truthiness_means_allowed() -> None:
    store, _ = fresh()
    limiter = RateLimiter(store)
    assert limiter.hit("k", "1/minute")
    assert not limiter.hit("k", "1/minute")


def test_memory_store_forgets_expired_state() -> None:
    store, clock = fresh()
    limiter = RateLimiter(store)
    for i in range(10_000):
        limiter.hit(f"client-{i}", "5/second fixed")
        clock.advance(0.01)
    assert len(store._rl) < 1_000  # swept: only keys seen in the last second or so remain
