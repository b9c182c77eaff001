"""The ban check and the rate limits decided in one store call, on every backend."""

from __future__ import annotations

import pytest

from apishield.ratelimit import PenaltyBox, RateLimiter, parse_limits
from apishield.stores.base import Store

from ..ratelimit._helpers import FakeClock

Backend = tuple[Store, FakeClock | None, str]


def test_unbanned_key_is_decided_like_hit(backend: Backend) -> None:
    store, _, p = backend
    limits = parse_limits("2/minute; 5/hour")
    answers = [store.hit_unless_banned(p + "k", limits, 1, p + "ban") for _ in range(3)]
    assert [banned for banned, _ in answers] == [None, None, None]
    assert [[st.allowed for st in states] for _, states in answers] == [[True, True], [True, True], [False, True]]


def test_banned_key_consumes_nothing_and_reports_the_time_left(backend: Backend) -> None:
    store, clock, p = backend
    limits = parse_limits("2/minute")
    store.set(p + "ban", "1", ttl=30)
    for _ in range(3):
        banned, states = store.hit_unless_banned(p + "k", limits, 1, p + "ban")
        assert banned is not None and 0 < banned <= 30 and states == []
    store.delete(p + "ban")
    assert [st.remaining for st in store.hit(p + "k", limits)] == [1]  # nothing was consumed while banned
    if clock is not None:
        store.set(p + "ban", "1", ttl=5)
        clock.advance(5)
        banned, states = store.hit_unless_banned(p + "k", limits, 1, p + "ban")
        assert banned is None and states[0].allowed  # an expired ban is no ban


def test_penalty_box_bans_in_the_same_call_as_the_limits(backend: Backend) -> None:
    store, _, p = backend
    box = PenaltyBox(store, violations=2, prefix=p + "pen")
    limiter = RateLimiter(store, prefix=p + "rl")
    ip = "203.0.113.9"
    key = f"api|{box.tag(ip)}"
    banned, decision = box.hit(limiter, ip, key, "1/hour")
    assert banned is None and decision is not None and decision.allowed
    banned, decision = box.hit(limiter, ip, key, "1/hour")
    assert banned is None and decision is not None and not decision.allowed
    assert box.record_violation(ip) is None
    assert box.record_violation(ip) == 60.0  # second violation: banned for the first duration
    banned, decision = box.hit(limiter, ip, key, "1/hour")
    assert decision is None and banned is not None and 0 < banned <= 60
    assert box.banned_for(ip) is not None


@pytest.mark.redis
def test_cluster_decides_tagged_ban_and_limits_in_one_call(cluster_url: str) -> None:
    """Same hash tag, same slot: no separate ban read. Different slots: still correct, in two calls."""
    import uuid

    from apishield.stores import from_url
    from apishield.stores.redis import RedisStore

    store = from_url(cluster_url)
    assert isinstance(store, RedisStore)
    box = PenaltyBox(store, violations=1)
    limiter = RateLimiter(store)
    ip = f"198.51.100.{uuid.uuid4().int % 250}"
    box.unban(ip)
    reads: list[str] = []
    real_ttl = store.ttl
    store.ttl = lambda key: reads.append(key) or real_ttl(key)  # type: ignore[method-assign]
    tagged = f"{uuid.uuid4().hex}|{box.tag(ip)}"
    assert box.hit(limiter, ip, tagged, "5/minute")[1] is not None
    assert reads == []  # one EVALSHA carried both keys
    untagged = uuid.uuid4().hex + "-untagged-" + "x" * 7
    assert box.hit(limiter, ip, untagged, "5/minute")[1] is not None
    assert reads  # another slot: the ban was read first, in its own round trip
    box.record_violation(ip)
    for key in (tagged, untagged):
        banned, decision = box.hit(limiter, ip, key, "5/minute")
        assert banned is not None and decision is None
    box.unban(ip)
    store.close()
