"""Shared helpers for rate-limit tests: a settable clock and an arrival-sequence runner."""

from __future__ import annotations

from collections.abc import Sequence

from apishield.ratelimit import Limit, RateLimiter
from apishield.stores.base import Store
from tests._clock import FakeClock


def run_sequence(
    store: Store, clock: FakeClock, limits: Sequence[Limit], arrivals: Sequence[tuple[float, int]], key: str = "k"
) -> list[tuple[float, int, bool, int]]:
    """Feed (gap, cost) arrivals; returns (time, cost, allowed, remaining) per arrival."""
    limiter = RateLimiter(store)
    out = []
    for gap, cost in arrivals:
        clock.advance(gap)
        d = limiter.hit(key, list(limits), cost)
        out.append((clock.now, cost, d.allowed, d.remaining))
    return out
