"""Redis stopped mid-run: the guard follows on_store_error, logs (throttled), never raises; Redis back: works."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from apishield import events
from apishield.errors import Reject, StoreError
from apishield.guard import Allow
from apishield.ratelimit import RateLimiter, RateLimitGuard
from apishield.request import RequestView
from apishield.stores import from_url
from tests._guards import decide

from ._topology import RedisServer


def view() -> RequestView:
    return RequestView(method="GET", path="/items", client_ip="203.0.113.7")


@pytest.mark.redis
@pytest.mark.parametrize("policy", ["allow", "deny"])
def test_guard_survives_redis_outage_and_recovers(own_redis: RedisServer, policy: Any) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    unsubscribe = events.add_listener(lambda name, fields: seen.append((name, fields)))
    try:
        # the breaker is off here: this is about the guard's policy and reconnecting (breaker: below)
        store = from_url(own_redis.url, socket_timeout=0.5, socket_connect_timeout=0.5, breaker_failures=0)
        limiter = RateLimiter(store)
        guard = RateLimitGuard(limiter, "100/minute", scope=uuid.uuid4().hex, on_store_error=policy)
        up = decide(guard.check, view())
        assert isinstance(up, Allow) and "RateLimit" in up.headers

        own_redis.stop()
        with pytest.raises(StoreError):
            limiter.hit("direct", "100/minute")
        answers = [decide(guard.check, view()) for _ in range(5)]
        if policy == "allow":
            assert all(isinstance(a, Allow) and a.headers == {} for a in answers)
        else:
            assert all(isinstance(a, Reject) and a.status == 503 and "Retry-After" in a.headers for a in answers)
        errors = [fields for name, fields in seen if name == "ratelimit.store_error"]
        assert len(errors) == 1  # five failures, one log line: the event is throttled
        assert errors[0]["action"] == ("allowed" if policy == "allow" else "denied")

        own_redis.start()  # same port, empty server, no scripts loaded: NOSCRIPT must be handled
        back = decide(guard.check, view())
        assert isinstance(back, Allow) and "RateLimit" in back.headers
        store.close()
    finally:
        unsubscribe()
