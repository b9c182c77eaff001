"""A circuit breaker for a store: after ``failures`` consecutive outages, fail at once for ``cooldown`` seconds.

States: **closed** (calls go through; consecutive failures are counted), **open** (calls fail immediately with
:class:`~apishield.errors.StoreError`, costing microseconds instead of a timeout), **half-open** (after
``cooldown`` seconds one call is let through as a probe; success closes the breaker, failure opens it for
another ``cooldown``). Transitions are logged as ``store.circuit_open`` / ``store.circuit_closed`` events, once
per transition, so an outage writes two lines however many requests it fails.
"""

from __future__ import annotations

import logging
import threading
import time

from apishield import events
from apishield.errors import ConfigError, StoreError
from apishield.types import Clock


class CircuitBreaker:
    """Closed → open after ``failures`` consecutive failures → half-open probe after ``cooldown`` seconds.

    ``failures=0`` disables the breaker (every call goes through).
    """

    def __init__(self, name: str, *, failures: int = 5, cooldown: float = 1.0, clock: Clock = time.monotonic) -> None:
        if isinstance(failures, bool) or not isinstance(failures, int) or failures < 0:
            raise ConfigError(f"store breaker_failures must be a whole number >= 0, not {failures!r}")
        if not 0 < cooldown <= 3600:
            raise ConfigError(f"store breaker_cooldown must be from 0 to 3600 seconds, not {cooldown!r}")
        self.name = name
        self.threshold = failures
        self.cooldown = float(cooldown)
        self.clock = clock
        self.failures = 0
        #: when the breaker opened (monotonic seconds); ``None`` while closed
        self.opened_at: float | None = None
        self._probing = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self._probing or self.clock() - self.opened_at >= self.cooldown else "open"

    def before(self) -> None:
        """Raise :class:`StoreError` while open; let one probe through once the cooldown is over."""
        if self.opened_at is None:
            return
        with self._lock:
            opened = self.opened_at
            if opened is None:
                return
            if self._probing or self.clock() - opened < self.cooldown:
                raise StoreError(
                    f"{self.name}: circuit open after {self.threshold} consecutive failures; not calling the store"
                )
            self._probing = True  # this caller is the half-open probe

    def success(self) -> None:
        if not self.failures and self.opened_at is None:
            return
        with self._lock:
            was_open = self.opened_at is not None
            self.failures, self.opened_at, self._probing = 0, None, False
        if was_open:
            events.emit("store.circuit_closed", level=logging.WARNING, store=self.name)

    def failure(self) -> None:
        if not self.threshold:
            return
        with self._lock:
            self.failures += 1
            self._probing = False
            if self.opened_at is not None:
                self.opened_at = self.clock()  # the probe failed: another cooldown
                return
            if self.failures < self.threshold:
                return
            self.opened_at = self.clock()
        events.emit(
            "store.circuit_open", level=logging.ERROR, store=self.name, failures=self.threshold,
            cooldown=self.cooldown,
        )


__all__ = ["CircuitBreaker"]
