"""A rate-limit decision and the sets a request will read, in one store call, on every backend."""

from __future__ import annotations

import time
import uuid

import pytest

from apishield.ratelimit import parse_limits
from apishield.stores import from_url
from apishield.stores.base import Store

from ..ratelimit._helpers import FakeClock

Backend = tuple[Store, FakeClock | None, str]


def test_sets_come_back_with_the_decision_as_members_reads_them(backend: Backend) -> None:
    store, _, p = backend
    limits = parse_limits("2/minute")
    store.add_member(p + "a", "x", ttl=60)
    store.add_member(p + "a", "y")
    store.add_member(p + "b", "z", ttl=60)
    sets = [p + "a", p + "empty", p + "b"]
    for ban in (p + "ban", None):
        banned, states, found = store.hit_and_read(p + f"k{ban is None}", limits, 1, ban, sets)
        assert banned is None and [st.allowed for st in states] == [True]
        assert [sorted(m) for m in found] == [["x", "y"], [], ["z"]]
        assert [sorted(m) for m in found] == [sorted(store.members(name)) for name in sets]


def test_sets_that_are_all_empty_read_as_empty_lists_and_the_decision_still_counts(backend: Backend) -> None:
    """Redis answers a call whose sets are all empty with the decision alone; every backend reads the same."""
    store, _, p = backend
    limits = parse_limits("2/minute")
    store.add_member(p + "gone", "x")
    store.remove_member(p + "gone", "x")
    sets = [p + "never", p + "gone"]
    answers = [store.hit_and_read(p + "k", limits, 1, p + "ban", sets) for _ in range(3)]
    assert [found for _, _, found in answers] == [[[], []]] * 3
    assert [[st.allowed for st in states] for _, states, _ in answers] == [[True], [True], [False]]
    store.add_member(p + "gone", "y")  # one member again: read with the next decision
    assert store.hit_and_read(p + "k2", limits, 1, p + "ban", sets)[2] == [[], ["y"]]


def test_a_call_with_hundreds_of_limits_reads_and_decides_every_one(backend: Backend) -> None:
    """More keys than one read statement takes (SQLite reads them in parts): every limit and set still counts."""
    store, _, p = backend
    limits = parse_limits("; ".join(f"{n}/hour" for n in range(2, 252)))
    store.add_member(p + "s", "m")
    for expected in (True, True, False):  # the 2/hour limit refuses the third call
        banned, states, found = store.hit_and_read(p + "k", limits, 1, p + "ban", [p + "empty", p + "s"])
        assert banned is None and found == [[], ["m"]] and len(states) == 250
        assert states[0].allowed is expected and all(st.allowed for st in states[1:])
    assert [st.remaining for st in store.hit(p + "k", limits, 0)][:3] == [0, 1, 2]


def test_the_decision_counts_as_hit_does_and_reads_while_refused(backend: Backend) -> None:
    store, _, p = backend
    limits = parse_limits("2/minute; 5/hour")
    store.add_member(p + "s", "m")
    answers = [store.hit_and_read(p + "k", limits, 1, p + "ban", [p + "s"]) for _ in range(3)]
    assert [[st.allowed for st in states] for _, states, _ in answers] == [[True, True], [True, True], [False, True]]
    assert [found for _, _, found in answers] == [[["m"]]] * 3
    assert [st.remaining for st in store.hit(p + "k", limits, 0)] == [0, 3]  # the refused call consumed nothing


def test_a_ban_refuses_before_anything_is_counted_or_read(backend: Backend) -> None:
    store, _, p = backend
    limits = parse_limits("2/minute")
    store.set(p + "ban", "1", ttl=30)
    store.add_member(p + "s", "m")
    banned, states, found = store.hit_and_read(p + "k", limits, 1, p + "ban", [p + "s"])
    assert banned is not None and 0 < banned <= 30 and states == [] and found == []
    assert [st.remaining for st in store.hit(p + "k", limits, 0)] == [2]


def test_expired_members_are_not_read(backend: Backend) -> None:
    store, clock, p = backend
    store.add_member(p + "s", "old", ttl=0.05)
    store.add_member(p + "s", "new", ttl=50)
    if clock is None:
        time.sleep(0.2)  # Redis keeps its own time: let a real 50 ms pass
    else:
        clock.advance(10)
    _, _, found = store.hit_and_read(p + "k", parse_limits("5/minute"), 1, None, [p + "s"])
    assert found == [["new"]]


@pytest.mark.redis
def test_cluster_reads_sets_of_other_slots_on_their_own(cluster_url: str) -> None:
    """Keys in the decision's slot come back with it; a set elsewhere is read in a call of its own."""
    store = from_url(cluster_url)
    try:
        tag = "{" + uuid.uuid4().hex + "}"
        same, other = f"s:{tag}:revoked", f"s:{uuid.uuid4().hex}:revoked"
        store.add_member(same, "a")
        store.add_member(other, "b")
        banned, states, found = store.hit_and_read(f"k:{tag}", parse_limits("5/minute"), 1, f"ban:{tag}",
                                                   [other, same])
        assert banned is None and states[0].allowed and found == [["b"], ["a"]]
        store.remove_member(same, "a")  # the set of the decision's slot empty, the other not
        assert store.hit_and_read(f"k:{tag}", parse_limits("5/minute"), 1, f"ban:{tag}", [other, same])[2] == [
            ["b"], []]
    finally:
        store.close()
