"""The multi-counter call (``Store.add_counters``): one atomic step, all or nothing, on every backend.

Keys carry one hash tag per test, so on the Redis Cluster each call's counters share a slot, as the contract
asks.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apishield.errors import ConfigError
from apishield.stores import CounterOp as Op
from apishield.stores import from_url
from apishield.stores.base import Store

from ..ratelimit._helpers import FakeClock

Backend = tuple[Store, FakeClock | None, str]


def _tag(p: str) -> str:
    return "{" + p + "}"


def test_all_amounts_are_added_while_every_limit_holds(backend: Backend) -> None:
    store, _, p = backend
    t = _tag(p)
    ops = [Op(t + "a", 1, limit=2, ttl=60), Op(t + "b", 1, limit=5, ttl=60), Op(t + "c", 2, ttl=60)]
    first = store.add_counters(ops)
    assert first.allowed and first.values == (1, 1, 2) and first.refused == () and first.banned is None
    assert all(left is not None and 0 < left <= 60 for left in first.ttls)
    assert store.add_counters(ops).values == (2, 2, 4)
    refused = store.add_counters(ops)  # "a" would pass its limit: nothing is added anywhere
    assert not refused.allowed and refused.refused == (0,) and refused.values == (2, 2, 4)
    assert [store.incr(t + k, 0) for k in "abc"] == [2, 2, 4]  # the same counters incr sees


def test_refused_lists_every_full_counter_and_their_ttls(backend: Backend) -> None:
    store, _, p = backend
    t = _tag(p)
    store.incr(t + "x", 3, ttl=30)
    store.incr(t + "y", 9, ttl=90)
    answer = store.add_counters([Op(t + "x", 1, limit=3, ttl=10), Op(t + "y", 1, limit=9, ttl=10),
                                 Op(t + "z", 1, limit=1, ttl=10)])
    assert not answer.allowed and answer.refused == (0, 1) and answer.values == (3, 9, 0)
    x, y, z = answer.ttls
    assert x is not None and 25 < x <= 30 and y is not None and 85 < y <= 90 and z is None
    assert store.ttl(t + "z") is None  # not created by a refused call


def test_ttl_applies_at_creation_reset_recreates_and_zero_removes(backend: Backend) -> None:
    store, clock, p = backend
    t = _tag(p)
    store.add_counters([Op(t + "w", 1, ttl=100)])
    later = store.add_counters([Op(t + "w", 1, ttl=5)])
    assert later.values == (2,) and later.ttls[0] is not None and later.ttls[0] > 50  # TTL kept
    again = store.add_counters([Op(t + "w", 1, ttl=5, reset=True)])
    assert again.values == (1,) and again.ttls[0] is not None and again.ttls[0] <= 5  # a new window
    cleared = store.add_counters([Op(t + "w", 0, reset=True), Op(t + "r", -1, ttl=60)])
    assert cleared.allowed and cleared.values == (0, 0) and cleared.ttls == (None, None)
    assert store.ttl(t + "w") is None and store.ttl(t + "r") is None  # removed; a refund creates nothing
    store.incr(t + "n", 1, ttl=60)
    assert store.add_counters([Op(t + "n", -5)]).values == (0,)  # never below zero
    forever = store.add_counters([Op(t + "f", 3)])
    assert forever.values == (3,) and forever.ttls == (None,)
    if clock is not None:
        store.add_counters([Op(t + "e", 4, ttl=10)])
        clock.advance(10)
        assert store.add_counters([Op(t + "e", 1, limit=1, ttl=10)]).values == (1,)  # expired counts as missing


def test_refunds_are_never_refused(backend: Backend) -> None:
    store, _, p = backend
    t = _tag(p)
    store.incr(t + "full", 7, ttl=60)
    answer = store.add_counters([Op(t + "full", -1, limit=3), Op(t + "other", 0, limit=0)])
    assert answer.allowed and answer.values == (6, 0)


def test_a_live_ban_stops_the_call_before_anything_is_read(backend: Backend) -> None:
    store, clock, p = backend
    t = _tag(p)
    ops = [Op(t + "acct", 1, limit=5, ttl=60)]
    assert store.add_counters(ops, ban_key=t + "ban").values == (1,)  # no ban: decided as usual
    store.set(t + "ban", "1", ttl=30)
    banned = store.add_counters(ops, ban_key=t + "ban")
    assert not banned.allowed and banned.banned is not None and 0 < banned.banned <= 30
    assert banned.values == () and store.incr(t + "acct", 0) == 1  # nothing consumed while banned
    if clock is not None:
        clock.advance(30)
        assert store.add_counters(ops, ban_key=t + "ban").values == (2,)


def test_calls_without_one_meaning_are_refused(backend: Backend) -> None:
    store, _, p = backend
    t = _tag(p)
    for bad in ([], [Op(t + "a"), Op(t + "a")], [Op("")], [Op(t + "a", 1.5)], [Op(t + "a", True)],  # type: ignore[arg-type]
                [Op(t + "a", ttl=0)], [Op(t + "a", limit="3")]):  # type: ignore[arg-type]
        with pytest.raises(ConfigError):
            store.add_counters(bad)


def test_parallel_calls_add_exactly_up_to_the_limits(backend: Backend) -> None:
    """32 threads reserve on one shared and one per-thread counter: the shared limit admits exactly 10."""
    store, _, p = backend
    t = _tag(p)
    admitted: list[int] = []
    start = threading.Barrier(8)

    def run(n: int) -> None:
        start.wait()
        for i in range(4):
            ops = [Op(t + f"own{n}:{i}", 1, limit=1, ttl=60), Op(t + "shared", 1, limit=10, ttl=60)]
            if store.add_counters(ops).allowed:
                admitted.append(n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(admitted) == 10 and store.incr(t + "shared", 0) == 10
    owned = sum(store.incr(t + f"own{n}:{i}", 0) for n in range(8) for i in range(4))
    assert owned == 10  # refused calls took nothing on their own counter either


_OPS = st.lists(
    st.tuples(st.sampled_from("abc"), st.integers(-3, 4), st.none() | st.integers(0, 6), st.booleans()),
    min_size=1, max_size=3, unique_by=lambda op: op[0],
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=st.lists(_OPS, min_size=1, max_size=6))
def test_every_backend_agrees_with_the_memory_store(backend: Backend, calls: list[list[tuple[str, int, int | None,
                                                                                              bool]]]) -> None:
    """The Lua script and the SQL transaction follow the reference rules step for step."""
    store, _, p = backend
    t = "{" + p + uuid.uuid4().hex[:8] + "}"
    reference = from_url("memory://")
    try:
        for call in calls:
            ops = [Op(t + key, amount, limit, ttl=600, reset=reset) for key, amount, limit, reset in call]
            mine, want = store.add_counters(ops), reference.add_counters(ops)
            assert (mine.allowed, mine.values, mine.refused) == (want.allowed, want.values, want.refused)
            assert [left is None for left in mine.ttls] == [left is None for left in want.ttls]
    finally:
        reference.close()


@pytest.mark.redis
def test_cluster_refuses_counters_in_several_slots_and_reads_a_foreign_ban_first(cluster_url: str) -> None:
    from apishield.stores.redis import RedisStore

    store = from_url(cluster_url)
    assert isinstance(store, RedisStore)
    p = uuid.uuid4().hex
    spread = [Op(f"{p}:{i}", 1, ttl=60) for i in range(8)]  # untagged: several slots
    with pytest.raises(ConfigError, match="hash tag"):
        store.add_counters(spread)
    reads: list[str] = []
    real_ttl = store.ttl
    store.ttl = lambda key: reads.append(key) or real_ttl(key)  # type: ignore[method-assign]
    tag = "{" + p + "}"
    tagged = [Op(f"{tag}:{i}", 1, limit=3, ttl=60) for i in range(3)]
    assert store.add_counters(tagged, ban_key=f"{tag}:ban").allowed and reads == []  # one script, ban included
    foreign_ban = f"ban:{{{p}x}}"
    assert store.add_counters(tagged, ban_key=foreign_ban).values == (2, 2, 2) and reads == [foreign_ban]
    store.set(foreign_ban, "1", ttl=20)
    banned = store.add_counters(tagged, ban_key=foreign_ban)
    assert banned.banned is not None and store.incr(f"{tag}:0", 0) == 2
    store.close()
