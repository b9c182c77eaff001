"""Adaptive limits: scale quotas down while the server is overloaded, and back up after.

A load signal reports load as a ratio (1.0 = at capacity). :class:`AdaptiveLimits` turns it into a factor
in ``[min_factor, 1]``: 1 while load <= 1, ``1 / load`` above it. The guard multiplies each limit's amount by
the factor; the scaled quota is announced in ``RateLimit-Policy`` (``q``), so clients see the change. The
factor is quantised to steps of 1/20 so scaled limits are few and cached.

Two signals ship: :class:`InFlightSignal` (requests being served right now, tracked by wrapping request
handling in ``signal.track()``) and :class:`LatencySignal` (an EWMA of recent response times, fed with
``signal.observe(seconds)``; it forgets stale readings so an idle server recovers).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from apishield.errors import ConfigError
from apishield.ratelimit.limits import Limit
from apishield.types import Clock


class LoadSignal(Protocol):
    """Reports current load as a ratio of capacity (1.0 = fully loaded)."""

    def load(self) -> float: ...


class InFlightSignal:
    """Load = requests in flight / ``capacity``."""

    def __init__(self, capacity: int) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ConfigError(f"adaptive limits: in-flight capacity must be a whole number >= 1, not {capacity!r}")
        self.capacity = capacity
        self._lock = threading.Lock()
        self.in_flight = 0

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1

    def leave(self) -> None:
        with self._lock:
            self.in_flight = max(0, self.in_flight - 1)

    @contextmanager
    def track(self) -> Iterator[None]:
        """Count the enclosed block as one request in flight."""
        self.enter()
        try:
            yield
        finally:
            self.leave()

    def load(self) -> float:
        return self.in_flight / self.capacity


class LatencySignal:
    """Load = EWMA of response times / ``target`` seconds; readings older than ``stale_after`` decay away."""

    def __init__(
        self, target: float, *, alpha: float = 0.2, stale_after: float = 10.0, clock: Clock = time.monotonic
    ) -> None:
        if not target > 0:
            raise ConfigError(f"adaptive limits: latency target must be > 0 seconds, not {target!r}")
        if not 0 < alpha <= 1:
            raise ConfigError(f"adaptive limits: alpha must be in (0, 1], not {alpha!r}")
        self.target = float(target)
        self.alpha = float(alpha)
        self.stale_after = float(stale_after)
        self.clock = clock
        self._lock = threading.Lock()
        self._ewma = 0.0
        self._last = -math.inf

    def observe(self, seconds: float) -> None:
        with self._lock:
            self._ewma = seconds if self._last == -math.inf else self._ewma + self.alpha * (seconds - self._ewma)
            self._last = self.clock()

    def load(self) -> float:
        with self._lock:
            age = self.clock() - self._last
            if age <= self.stale_after:
                return self._ewma / self.target
            # no traffic lately: halve the remembered latency for every further stale_after seconds
            return float(self._ewma / self.target * 0.5 ** (age / self.stale_after))


class AdaptiveLimits:
    """Turns a load signal into a scale factor for limits."""

    STEPS = 20

    def __init__(self, signal: LoadSignal, *, min_factor: float = 0.25) -> None:
        if not 0 < min_factor <= 1:
            raise ConfigError(f"adaptive limits: min_factor must be in (0, 1], not {min_factor!r}")
        self.signal = signal
        self.min_factor = float(min_factor)
        self._scaled: dict[tuple[tuple[Limit, ...], float], tuple[Limit, ...]] = {}

    def factor(self) -> float:
        load = self.signal.load()
        if not load > 1.0:
            return 1.0
        raw = max(self.min_factor, 1.0 / load)
        return max(self.min_factor, math.floor(raw * self.STEPS) / self.STEPS)

    def apply(self, limits: tuple[Limit, ...]) -> tuple[Limit, ...]:
        """``limits`` scaled by the current factor (the same tuple when not overloaded)."""
        factor = self.factor()
        if factor >= 1.0:
            return limits
        key = (limits, factor)
        scaled = self._scaled.get(key)
        if scaled is None:
            scaled = tuple(limit.scaled(factor) for limit in limits)
            if len(self._scaled) < 1024:
                self._scaled[key] = scaled
        return scaled


__all__ = ["AdaptiveLimits", "InFlightSignal", "LatencySignal", "LoadSignal"]
