"""A sick store answers within a bounded time: breaker, short decision timeouts, SQLite locks, durability."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from apishield import events
from apishield.errors import ConfigError, StoreError
from apishield.ratelimit import parse_limits
from apishield.stores import from_url
from apishield.stores.breaker import CircuitBreaker
from apishield.stores.redis import RedisStore

from ..ratelimit._helpers import FakeClock
from ._topology import RedisServer

LIMITS = parse_limits("100/minute")


def _events() -> tuple[list[tuple[str, dict[str, Any]]], Any]:
    seen: list[tuple[str, dict[str, Any]]] = []
    return seen, events.add_listener(lambda name, fields: seen.append((name, fields)))


def test_breaker_opens_after_consecutive_failures_and_probes_after_the_cooldown() -> None:
    clock = FakeClock(0.0)
    seen, unsubscribe = _events()
    try:
        breaker = CircuitBreaker("s", failures=3, cooldown=2.0, clock=clock)
        for _ in range(2):
            breaker.before()
            breaker.failure()
        breaker.before()
        breaker.success()  # a success in between: the count starts again
        for _ in range(3):
            breaker.before()
            breaker.failure()
        assert breaker.state == "open"
        with pytest.raises(StoreError):
            breaker.before()
        clock.advance(2.0)
        breaker.before()  # the half-open probe goes through...
        with pytest.raises(StoreError):
            breaker.before()  # ...alone
        breaker.failure()  # the probe failed: another cooldown
        with pytest.raises(StoreError):
            breaker.before()
        clock.advance(2.0)
        breaker.before()
        breaker.success()
        assert breaker.state == "closed"
        breaker.before()
    finally:
        unsubscribe()
    assert [name for name, _ in seen] == ["store.circuit_open", "store.circuit_closed"]  # one line per transition


def test_breaker_settings_are_validated() -> None:
    with pytest.raises(ConfigError):
        CircuitBreaker("s", failures=-1)
    with pytest.raises(ConfigError):
        CircuitBreaker("s", cooldown=0)
    disabled = CircuitBreaker("s", failures=0)
    for _ in range(100):
        disabled.failure()
    disabled.before()


@pytest.mark.redis
def test_hung_redis_costs_microseconds_once_the_breaker_opens(own_redis: RedisServer) -> None:
    store = from_url(own_redis.url, decision_timeout=0.05, socket_timeout=0.05, breaker_failures=3)
    assert isinstance(store, RedisStore)
    clock = FakeClock(0.0)
    store.breaker.clock = clock
    assert store.hit("k", LIMITS)[0].allowed
    own_redis.pause()
    try:
        for _ in range(3):
            start = time.perf_counter()
            with pytest.raises(StoreError):
                store.hit("k", LIMITS)
            assert time.perf_counter() - start < 1.0  # the decision timeout, not the 2 s socket default
        start = time.perf_counter()
        for _ in range(1000):
            with pytest.raises(StoreError):
                store.hit("k", LIMITS)
            with pytest.raises(StoreError):
                store.get("k")
        per_call = (time.perf_counter() - start) / 2000
        assert per_call < 0.001  # open: no socket is touched
    finally:
        own_redis.resume()
    clock.advance(store.breaker.cooldown)
    assert store.hit("k", LIMITS)[0].allowed  # the probe succeeds and closes the breaker
    assert store.breaker.state == "closed"
    store.close()


@pytest.mark.redis
@pytest.mark.parametrize("read", ["get", "ttl", "is_member", "members", "hit_and_read"])
def test_per_request_reads_on_a_hung_redis_give_up_after_the_decision_timeout(
    own_redis: RedisServer, read: str
) -> None:
    """Revocation checks, ban checks and key or session lookups run on every request like the rate-limit
    decision: with the default timeouts they wait ``decision_timeout`` (0.1 s) for a hung Redis, not
    ``socket_timeout`` (2 s) tried twice, and count towards the breaker, which then answers at once."""
    store = from_url(own_redis.url)  # the defaults: socket_timeout 2 s, decision_timeout 0.1 s, 5 failures
    assert isinstance(store, RedisStore)
    calls = {"get": lambda: store.get("v"), "ttl": lambda: store.ttl("v"),
             "is_member": lambda: store.is_member("s", "m"), "members": lambda: store.members("s"),
             "hit_and_read": lambda: store.hit_and_read("k", LIMITS, 1, "ban", ["s"])}
    store.add_member("s", "m")
    calls[read]()  # connected, scripts loaded
    own_redis.pause()
    try:
        for _ in range(store.breaker.threshold):
            start = time.perf_counter()
            with pytest.raises(StoreError):
                calls[read]()
            assert time.perf_counter() - start < 0.6  # 0.1 s and scheduling slack, not 2 x 2 s
        assert store.breaker.state == "open"
        start = time.perf_counter()
        with pytest.raises(StoreError):
            calls[read]()
        assert time.perf_counter() - start < 0.01
    finally:
        own_redis.resume()
    store.close()


@pytest.mark.redis
@pytest.mark.parametrize("probe", ["get", "members", "hit"])
def test_the_half_open_probe_on_a_hung_redis_costs_the_decision_timeout_whatever_the_operation(
    own_redis: RedisServer, probe: str
) -> None:
    """Under load, the first call after the cooldown is as often a revocation check or a lookup as a rate-limit
    decision; the probe must not hang a request for ``socket_timeout`` (tried twice) while Redis still hangs."""
    store = from_url(own_redis.url, decision_timeout=0.05, socket_timeout=1.0, breaker_failures=3)
    assert isinstance(store, RedisStore)
    clock = FakeClock(0.0)
    store.breaker.clock = clock
    calls = {"get": lambda: store.get("v"), "members": lambda: store.members("s"),
             "hit": lambda: store.hit("k", LIMITS)}
    assert store.hit("k", LIMITS)[0].allowed
    own_redis.pause()
    try:
        for _ in range(3):
            with pytest.raises(StoreError):
                store.hit("k", LIMITS)  # decisions time out after 0.05 s; the breaker opens
        assert store.breaker.state == "open"
        for _ in range(2):
            clock.advance(store.breaker.cooldown)
            start = time.perf_counter()
            with pytest.raises(StoreError):
                calls[probe]()
            assert time.perf_counter() - start < 0.5  # not 2 x socket_timeout
            assert store.breaker.state == "open"  # the failed probe starts another cooldown
    finally:
        own_redis.resume()
    clock.advance(store.breaker.cooldown)
    calls[probe]()  # Redis answers again: the probe closes the breaker
    assert store.breaker.state == "closed"
    store.close()


@pytest.mark.redis
def test_answers_that_are_errors_do_not_open_the_breaker(own_redis: RedisServer) -> None:
    store = from_url(own_redis.url, breaker_failures=2)
    assert isinstance(store, RedisStore)
    store.set("text", "not a number")
    for _ in range(5):
        with pytest.raises(StoreError):
            store.incr("text")  # Redis answered: the value is not an integer; Redis itself is fine
    assert store.breaker.state == "closed"
    store.close()


@pytest.mark.redis
def test_redis_without_persistence_is_reported_once(own_redis: RedisServer) -> None:
    seen, unsubscribe = _events()
    try:
        store = from_url(own_redis.url)
        for _ in range(3):
            store.set("k", "v")
            store.hit("rl", LIMITS)
        store.close()
        warnings = [fields for name, fields in seen if name == "store.not_durable"]
        assert len(warnings) == 1 and "everything" in warnings[0]["lost"]
        assert "appendonly yes" in warnings[0]["lost"]

        import redis

        admin = redis.Redis(port=own_redis.port)
        admin.config_set("appendonly", "yes")
        admin.close()
        seen.clear()
        store = from_url(own_redis.url)
        store.set("k", "v")
        store.close()
        assert [name for name, _ in seen if name == "store.not_durable"] == []
        admin = redis.Redis(port=own_redis.port)
        admin.config_set("appendonly", "no")
        admin.close()
    finally:
        unsubscribe()


def test_sqlite_lock_held_elsewhere_fails_decisions_fast_and_other_writes_within_timeout(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    store = from_url(url, timeout=0.5, decision_timeout=0.05)
    store.set("v", "1")
    holder = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        start = time.perf_counter()
        with pytest.raises(StoreError):
            store.hit("k", LIMITS)
        assert time.perf_counter() - start < 0.4  # the short decision wait, not the 0.5 s one
        start = time.perf_counter()
        with pytest.raises(StoreError):
            store.set("v", "2")
        assert 0.4 < time.perf_counter() - start < 3
        assert store.get("v") == "1"  # WAL: readers are not blocked by the writer
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.hit("k", LIMITS)[0].allowed
    store.close()


def test_sqlite_timeouts_are_validated(tmp_path: Path) -> None:
    for bad in ({"decision_timeout": -1}, {"decision_timeout": float("nan")}, {"timeout": float("inf")}):
        with pytest.raises(ConfigError):
            from_url(f"sqlite:///{tmp_path / 'x.db'}", **bad)
    with pytest.raises(ConfigError):
        from_url(f"sqlite:///{tmp_path / 'x.db'}?decision_timeout=soon")
