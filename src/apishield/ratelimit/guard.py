"""``RateLimitGuard``: the rate-limit step of the shield pipeline.

Order of checks for one request:

1. deny-listed address → 403; allow-listed address → allowed untouched;
2. banned client → 429 with the ban's ``Retry-After``. Bans are per client address by default, shared with
   the auth guards that record invalid credentials; ``ban_by="key"`` bans the rate-limit key instead;
3. every limit in one store call → allowed with ``RateLimit-Policy``/``RateLimit`` headers, or 429 with
   ``Retry-After`` (and a violation recorded with the penalty box, which may ban).

A store failure follows ``on_store_error``: ``"allow"`` lets the request through without headers, ``"deny"``
answers 503; either way an event is logged (at most once per ``event_interval`` seconds per kind, so an
outage does not flood the logs).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Literal

from apishield import events
from apishield.errors import ConfigError, Reject, StoreError
from apishield.guard import Allow
from apishield.ratelimit.adaptive import AdaptiveLimits
from apishield.ratelimit.headers import retry_after_value
from apishield.ratelimit.keys import KEY_FUNCS, KeyFunc, client_ip
from apishield.ratelimit.limiter import Decision, LimitSpec, RateLimiter
from apishield.ratelimit.penalties import PenaltyBox
from apishield.request import RequestView
from apishield.types import Clock

StoreErrorPolicy = Literal["allow", "deny"]
_TOO_MANY = "Too many requests; slow down and retry after the time in the Retry-After header."


class EventThrottle:
    """Lets one event of each kind through per ``interval`` seconds, counting the ones it held back."""

    def __init__(self, interval: float = 10.0, clock: Clock = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def emit(self, event: str, level: int = logging.WARNING, **fields: object) -> bool:
        now = self.clock()
        with self._lock:
            if now < self._next.get(event, -1.0):
                self._held[event] = self._held.get(event, 0) + 1
                return False
            self._next[event] = now + self.interval
            suppressed = self._held.pop(event, 0)
        events.emit(event, level=level, suppressed=suppressed, **fields)
        return True


class RateLimitGuard:
    """Applies ``limits`` per client key; see the module docstring for the order of checks."""

    name = "ratelimit"

    def __init__(
        self,
        limiter: RateLimiter,
        limits: LimitSpec,
        *,
        key_func: KeyFunc | str = client_ip,
        scope: str = "default",
        cost: int | Callable[[RequestView], int] = 1,
        on_store_error: StoreErrorPolicy = "allow",
        penalties: PenaltyBox | None = None,
        adaptive: AdaptiveLimits | None = None,
        headers: bool = True,
        legacy_headers: bool = False,
        ban_by: Literal["ip", "key"] = "ip",
        event_interval: float = 10.0,
        clock: Clock = time.monotonic,
    ) -> None:
        if on_store_error not in ("allow", "deny"):
            raise ConfigError(f"rate limit on_store_error must be 'allow' or 'deny', not {on_store_error!r}")
        if isinstance(key_func, str):
            if key_func not in KEY_FUNCS:
                raise ConfigError(f"rate limit key {key_func!r} is unknown; use one of {', '.join(KEY_FUNCS)}")
            key_func = KEY_FUNCS[key_func]
        if ban_by not in ("ip", "key"):
            raise ConfigError(f"rate limit ban_by must be 'ip' or 'key', not {ban_by!r}")
        if not callable(cost) and (isinstance(cost, bool) or not isinstance(cost, int) or cost < 0):
            raise ConfigError(f"rate limit cost must be a whole number >= 0 or a function, not {cost!r}")
        self.limiter = limiter
        self.limits = limiter.compile(limits)
        self.key_func = key_func
        self.scope = scope
        self.cost = cost
        self.fail_open = on_store_error == "allow"
        self.penalties = penalties
        self.ban_by_ip = ban_by == "ip"
        self.adaptive = adaptive
        self.send_headers = headers
        self.legacy_headers = legacy_headers
        self.events = EventThrottle(event_interval, clock)

    def check(self, view: RequestView) -> Allow | Reject:
        penalties = self.penalties
        if penalties is not None:
            if penalties.is_denied_ip(view.client_ip):
                self.events.emit("ratelimit.denylisted", path=view.path, client_ip=view.client_ip)
                return Reject(403, "Requests from this network are not accepted.")
            if penalties.is_allowed_ip(view.client_ip):
                return Allow()
        try:
            key = self.key_func(view)
            cost = self.cost(view) if callable(self.cost) else self.cost
            ban_key = view.client_ip if self.ban_by_ip else key
            if penalties is not None:
                banned = penalties.banned_for(ban_key)
                if banned is not None:
                    return Reject(429, _TOO_MANY, headers={"Retry-After": retry_after_value(banned)})
            limits = self.adaptive.apply(self.limits) if self.adaptive is not None else self.limits
            decision = self.limiter.hit(f"{self.scope}|{key}", limits, cost)
            if decision.allowed:
                return Allow(headers=self._headers(decision))
            retry = decision.retry_after
            if penalties is not None:
                ban = penalties.record_violation(ban_key)
                if ban is not None:
                    retry = max(retry, ban)
        except StoreError as exc:
            self.events.emit(
                "ratelimit.store_error",
                level=logging.ERROR,
                path=view.path,
                error=type(exc).__name__,
                detail=str(exc)[:200],
                action="allowed" if self.fail_open else "denied",
            )
            if self.fail_open:
                return Allow()
            return Reject(503, "The rate limiter is unavailable; try again shortly.", headers={"Retry-After": "5"})
        self.events.emit(
            "ratelimit.denied",
            level=logging.INFO,
            path=view.path,
            route=view.route,
            client_ip=view.client_ip,
            retry_after=retry,
        )
        headers = self._headers(decision)
        headers["Retry-After"] = retry_after_value(retry)
        return Reject(429, _TOO_MANY, headers=headers)

    def _headers(self, decision: Decision) -> dict[str, str]:
        return decision.headers(self.legacy_headers) if self.send_headers else {}


__all__ = ["EventThrottle", "RateLimitGuard", "StoreErrorPolicy"]
