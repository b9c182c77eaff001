"""``RateLimitGuard``: the rate-limit step of the shield pipeline.

Order of checks for one request:

1. deny-listed address → 403; allow-listed address → allowed untouched;
2. banned client → 429 with the ban's ``Retry-After`` (whenever a penalty box is given: bans cover every
   route). Bans are per client address by default, shared with the auth guards that record invalid
   credentials; ``ban_by="key"`` bans the rate-limit key instead;
3. every limit in the same store call → allowed with ``RateLimit-Policy``/``RateLimit`` headers, or 429 with
   ``Retry-After`` (and, with ``penalize=True``, a violation recorded with the penalty box, which may ban).

Refusals are raised as :class:`~apishield.errors.Reject` (the one guard contract); :meth:`RateLimitGuard.check`
returns :class:`~apishield.guard.Allow` with the headers when the request may pass.

A store failure follows ``on_store_error``: ``"allow"`` lets the request through without headers, ``"deny"``
answers 503; either way an event is logged (at most once per ``event_interval`` seconds per kind, so an
outage does not flood the logs).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

from apishield import events
from apishield.errors import ConfigError, Reject, StoreError
from apishield.guard import Allow
from apishield.ratelimit.adaptive import AdaptiveLimits
from apishield.ratelimit.headers import policy_header_for, retry_after_value, sf_string, whole_seconds
from apishield.ratelimit.keys import KEY_FUNCS, KeyFunc, client_ip, per_route
from apishield.ratelimit.limiter import Decision, LimitSpec, RateLimiter
from apishield.ratelimit.penalties import PenaltyBox, client_group
from apishield.request import RequestView
from apishield.stores.ahead import ReadAhead
from apishield.types import Clock

StoreErrorPolicy = Literal["allow", "deny"]
Header = tuple[str, str]
TOO_MANY = "Too many requests; slow down and retry after the time in the Retry-After header."
_TAG_CACHE_SIZE = 4096  # clients whose hash tag a guard remembers


class EventThrottle:
    """Lets one event of each kind through per ``interval`` seconds and client, counting the ones it held back.

    The line that gets through carries ``suppressed``: how many were held back since the last one of its kind
    and client (each still counted in the metrics, see :mod:`apishield.events`). Refusals (events below ERROR
    that name a ``client_ip``) are throttled per client network (an IPv6 /64 is one client), so one noisy
    client never hides another's line; at most ``clients`` clients per kind have lines of their own within an
    interval, and any more share one line, so a spray of addresses cannot flood the log. Faults (ERROR and
    above: the service's trouble, not a client's) get one line per kind. The one throttle for 429s, failed
    credentials and store errors; memory is bounded by the kinds times ``clients``.
    """

    #: the group of the clients over the per-kind allowance (they share one line per interval)
    OTHERS = "(other clients)"

    def __init__(self, interval: float = 10.0, clock: Clock = time.monotonic, clients: int = 32) -> None:
        self.interval = interval
        self.clock = clock
        self.clients = clients
        self._lock = threading.Lock()
        #: kind -> client group (None for faults) -> when its next line may go out
        self._next: dict[str, dict[str | None, float]] = {}
        self._held: dict[tuple[str, str | None], int] = {}

    def emit(self, event: str, level: int = logging.WARNING, **fields: object) -> bool:
        now = self.clock()
        client = fields.get("client_ip")
        group = client_group(client) if level < logging.ERROR and isinstance(client, str) and client else None
        with self._lock:
            lines = self._next.get(event)
            if lines is None:
                lines = self._next[event] = {}
            if group is not None and group not in lines and len(lines) >= self.clients:
                for old in [g for g, due in lines.items() if due <= now]:  # lines whose interval is over
                    del lines[old]
                    self._held.pop((event, old), None)
                if len(lines) >= self.clients:
                    group = self.OTHERS
            key = (event, group)
            if now < lines.get(group, -1.0):
                self._held[key] = self._held.get(key, 0) + 1
                held = True
            else:
                held = False
                lines[group] = now + self.interval
                suppressed = self._held.pop(key, 0)
        if held:
            events.count(event)
            return False
        events.emit(event, level=level, suppressed=suppressed, **fields)
        return True


class RateLimitGuard:
    """Applies ``limits`` per client key; see the module docstring for the order of checks.

    One instance per set of limits; the policy header and each limit's escaped name are computed here, once,
    so an allowed request costs one store call and one string format. :meth:`for_route` gives the copy
    for a route with its own limits (counted per client per route). A given ``penalties`` box's bans are checked
    in the same store call as the limits; ``penalize=False`` only stops 429s from counting as violations.
    """

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
        penalize: bool = True,
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
        self._scope = scope + "|"
        self.cost = cost
        self._cost_fn: Callable[[RequestView], int] | None = cost if callable(cost) else None
        self._fixed_cost: int = 0 if callable(cost) else cost
        self.on_store_error: StoreErrorPolicy = on_store_error
        self.fail_open = on_store_error == "allow"
        self.penalties = penalties
        self.penalize = penalize
        self._bans = penalties
        self._record = penalties if penalize else None
        self._ipv6_prefix = penalties.ipv6_prefix if penalties is not None else 64
        #: the key is the client (its address, or the ban key itself): tagging it cannot split a budget
        self._tagged = ban_by == "key" or key_func is client_ip
        #: ban key -> its hash tag: client_group is a pure function of the key, so each client's tag is worked
        #: out once (bounded; emptied when full, so a flood of addresses costs only the recomputation)
        self._tags: dict[str, str] = {}
        #: keyed by address and banned by address: every store key is a pure function of ``view.client_ip``,
        #: so each client's (limit key, ban key) pair is worked out once (bounded like the tags)
        self._by_address = key_func is client_ip and ban_by == "ip"
        self._client_keys: dict[str, tuple[str, str | None]] = {}
        self._lists = penalties if penalties is not None and (penalties.allow or penalties.deny) else None
        self.ban_by: Literal["ip", "key"] = ban_by
        self.ban_by_ip = ban_by == "ip"
        self.adaptive = adaptive
        self.send_headers = headers
        self.legacy_headers = legacy_headers
        self.event_interval = event_interval
        self.clock = clock
        self.events = EventThrottle(event_interval, clock)
        self._policy = policy_header_for(self.limits)
        self._prefixes = tuple(sf_string(lim.name) + ";r=" for lim in self.limits)
        self._precomputed = adaptive is None and not legacy_headers
        self._policy_header = ("RateLimit-Policy", self._policy)
        #: the usual case: headers on, one limit, precomputed (admit builds the two headers itself)
        self._one_header = self._precomputed and headers and len(self.limits) == 1
        self._routes: dict[tuple[str, ...], RateLimitGuard | None] = {}

    # --- per route ------------------------------------------------------------------------------
    def for_route(self, settings: Any) -> RateLimitGuard | None:
        """This guard for a route: itself when ``settings.limits`` is None (inherit the defaults), None when
        it is empty (no limit), else a copy with the route's limits counted per client per route."""
        limits = getattr(settings, "limits", None)
        if limits is None:
            return self
        key = tuple(limits)
        if key in self._routes:
            return self._routes[key]
        compiled = self.limiter.compile(key) if key else ()
        guard: RateLimitGuard | None = None
        if compiled:
            digest = hashlib.sha256("|".join(key).encode()).hexdigest()[:12]
            guard = RateLimitGuard(
                self.limiter, compiled, key_func=per_route(self.key_func), scope=f"route:{digest}",
                cost=self.cost, on_store_error=self.on_store_error, penalties=self.penalties,
                penalize=self.penalize, adaptive=self.adaptive, headers=self.send_headers,
                legacy_headers=self.legacy_headers, ban_by=self.ban_by, event_interval=self.event_interval,
                clock=self.clock,
            )
            guard.events = self.events
            guard._tagged = self._tagged  # per_route(key) names the client exactly when key does
        if len(self._routes) < 1024:
            self._routes[key] = guard
        return guard

    # --- per request ----------------------------------------------------------------------------
    def check(self, view: RequestView) -> Allow:
        """Allow with the rate-limit headers; raises :class:`Reject` (429, 403 deny-listed, 503 store down)."""
        return Allow(headers=dict(self.admit(view)))

    def admit(self, view: RequestView, ahead: ReadAhead | None = None) -> list[Header]:
        """The headers to add when allowed (the shield's hot path); raises :class:`Reject` otherwise.

        ``ahead``: store sets the request will read next (its token's revocations), fetched in the same store
        call as the limits (:mod:`apishield.stores.ahead`); left unfilled when the request does not pass or the
        store fails."""
        lists = self._lists
        if lists is not None:
            if lists.is_denied_ip(view.client_ip):
                self.events.emit("ratelimit.denylisted", path=view.path, client_ip=view.client_ip)
                raise Reject(403, "Requests from this network are not accepted.")
            if lists.is_allowed_ip(view.client_ip):
                return []
        try:
            cost_fn = self._cost_fn
            cost = self._fixed_cost if cost_fn is None else cost_fn(view)
            limits = self.adaptive.apply(self.limits) if self.adaptive is not None else self.limits
            keys = self._client_keys.get(view.client_ip) if self._by_address else None
            if keys is None:
                keys = self._store_keys(view)
            limit_key, ban = keys
            if ahead is not None:  # the ban check, the limits and the reads in one store call (one round trip)
                banned, hit, found = self.limiter.hit_and_read(limit_key, limits, cost, ban, ahead.keys)
                if banned is None and hit is not None:
                    ahead.fill(found)
            elif ban is None:
                banned, hit = None, self.limiter.hit(limit_key, limits, cost)
            else:  # the ban check and the limits in one store call (one round trip)
                banned, hit = self.limiter.hit_unless_banned(limit_key, limits, cost, ban)
            if banned is not None or hit is None:
                raise Reject(429, TOO_MANY, headers={"Retry-After": retry_after_value(banned or 1.0)})
            decision = hit
            if decision.allowed:
                if self._one_header:  # _headers() for one precomputed limit, inlined
                    st = decision.states[0]
                    remaining = st.remaining
                    return [
                        self._policy_header,
                        ("RateLimit", f"{self._prefixes[0]}{remaining if remaining > 0 else 0};"
                                      f"t={whole_seconds(st.reset_after)}"),
                    ]
                return self._headers(decision) if self.send_headers else []
            retry = decision.retry_after
            recorder = self._record
            if recorder is not None:
                banned_for = recorder.record_violation(view.client_ip if self.ban_by_ip else self.key_func(view))
                if banned_for is not None:
                    retry = max(retry, banned_for)
        except StoreError as exc:
            self.events.emit(
                "ratelimit.store_error",
                level=logging.ERROR,
                path=view.path,
                client_ip=view.client_ip,
                error=type(exc).__name__,
                detail=str(exc)[:200],
                action="allowed" if self.fail_open else "denied",
            )
            if self.fail_open:
                return []
            raise Reject(
                503, "The rate limiter is unavailable; try again shortly.", headers={"Retry-After": "5"}
            ) from None
        self.events.emit(
            "ratelimit.denied",
            level=logging.INFO,
            path=view.path,
            route=view.route,
            client_ip=view.client_ip,
            retry_after=retry,
        )
        headers = dict(self._headers(decision))
        headers["Retry-After"] = retry_after_value(retry)
        raise Reject(429, TOO_MANY, headers=headers)

    def _store_keys(self, view: RequestView) -> tuple[str, str | None]:
        """(rate-limit key, the penalty box's ban key or None) of this request's client."""
        key = self.key_func(view)
        ban_key = view.client_ip if self.ban_by_ip else key
        # a key that names the client carries the client's hash tag (with or without a penalty box, so every
        # guard on one store counts a client under one key): on a Redis Cluster its ban and limits share a
        # slot. Keys shared by many addresses (a principal, a route) stay whole.
        tag = None
        if self._tagged:
            tag = self._tags.get(ban_key)
            if tag is None:
                tag = "{" + client_group(ban_key, ipv6_prefix=self._ipv6_prefix) + "}"
                tags = self._tags
                if len(tags) >= _TAG_CACHE_SIZE:
                    tags.clear()
                tags[ban_key] = tag
            limit_key = f"{self._scope}{key}|{tag}"
        else:
            limit_key = self._scope + key
        penalties = self._bans
        keys = (limit_key, penalties.ban_key(ban_key, tag) if penalties is not None else None)
        if self._by_address:
            cache = self._client_keys
            if len(cache) >= _TAG_CACHE_SIZE:
                cache.clear()
            cache[view.client_ip] = keys
        return keys

    def _headers(self, decision: Decision) -> list[Header]:
        if not self._precomputed:
            return list(decision.headers(self.legacy_headers).items())
        states = decision.states
        if len(states) == 1:  # the common case, without the generator and join
            st = states[0]
            return [
                ("RateLimit-Policy", self._policy),
                ("RateLimit", f"{self._prefixes[0]}{max(0, st.remaining)};t={whole_seconds(st.reset_after)}"),
            ]
        parts = [
            f"{prefix}{max(0, st.remaining)};t={whole_seconds(st.reset_after)}"
            for prefix, st in zip(self._prefixes, states, strict=False)
        ]
        return [("RateLimit-Policy", self._policy), ("RateLimit", ", ".join(parts))]


__all__ = ["TOO_MANY", "EventThrottle", "RateLimitGuard", "StoreErrorPolicy"]
