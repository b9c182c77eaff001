"""The memory store's state is bounded: expired entries go away on their own, and a full store never evicts a ban."""

from __future__ import annotations

import pytest

from apishield.errors import ConfigError, StoreError
from apishield.ratelimit import PenaltyBox, RateLimiter, parse_limits
from apishield.stores import MemoryStore

from ..ratelimit._helpers import FakeClock


def test_expired_entries_of_every_kind_are_swept_by_ordinary_traffic() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    limiter = RateLimiter(store)
    box = PenaltyBox(store, violations=1000)
    for i in range(5000):
        store.set(f"v{i}", "x", ttl=10)
        store.incr(f"c{i}", ttl=10)
        store.add_member(f"s{i}", "m", ttl=10)
        limiter.hit(f"client{i}", "5/second")
        box.record_violation(f"198.51.{i // 250}.{i % 250}")
    store.set("forever", "kept")
    assert len(store) > 20_000
    clock.advance(61)  # past every TTL (violation counters live 60 s)
    for i in range(12_000):  # ordinary traffic on a few keys: a sweep comes within max(10,000, entries/4) writes
        limiter.hit(f"steady{i % 10}", "100/second")
    assert len(store) < 100
    assert store.get("forever") == "kept"


def test_live_entries_are_never_swept() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    for i in range(3000):
        store.set(f"v{i}", "x", ttl=100)
        store.add_member("set", f"m{i}", ttl=100 if i % 2 else 5)
    clock.advance(6)
    store.sweep()
    assert all(store.get(f"v{i}") == "x" for i in range(3000))
    assert len(store.members("set")) == 1500


def test_full_store_evicts_rate_limit_state_then_counters_never_bans() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock, max_entries=200)
    box = PenaltyBox(store, violations=1)
    banned = [f"203.0.113.{i}" for i in range(50)]
    for ip in banned:
        box.record_violation(ip)  # a ban (value), a level counter
    for i in range(100):
        store.incr(f"failed-login:{i}", ttl=600)
    limiter = RateLimiter(store)
    for i in range(500):  # a client spraying distinct keys
        limiter.hit(f"spray{i}", "10/minute")
    assert len(store) <= 200
    assert all(box.banned_for(ip) is not None for ip in banned)  # every ban survived
    assert store.ttl("penalty:ban:{203.0.113.0}") is not None
    stored, refusal = 0, None
    try:  # values only: once counters and rate-limit state are gone, writes fail rather than evict
        for i in range(500):
            store.set(f"revoked:{i}", "1", ttl=600)
            stored += 1
    except StoreError as exc:
        refusal = str(exc)
    assert refusal is not None and "never evicted" in refusal
    assert stored == 200 - len(banned)  # every counter made way first
    assert all(store.get(f"revoked:{i}") == "1" for i in range(stored))
    assert all(box.banned_for(ip) is not None for ip in banned)


def test_full_store_refuses_instead_of_evicting_values() -> None:
    store = MemoryStore(max_entries=100)
    for i in range(100):
        store.set(f"key:{i}", "v")
    with pytest.raises(StoreError):
        store.set("key:100", "v")
    with pytest.raises(StoreError):
        store.hit("k", parse_limits("1/second"))
    assert all(store.get(f"key:{i}") == "v" for i in range(100))


def test_max_entries_is_validated() -> None:
    for bad in (0, 99, True, 1.5):
        with pytest.raises(ConfigError):
            MemoryStore(max_entries=bad)  # type: ignore[arg-type]
