"""Rate-limit decisions encoded once per client and route (``stores/redis_wire.py``): the kept command is
byte for byte what redis-py would send, is never kept with a test clock's time, stays bounded, and decides
exactly as a freshly encoded one against a real Redis."""

from __future__ import annotations

import os
import socket
import struct
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apishield.ratelimit.limits import Limit, parse_limits
from apishield.stores.redis_wire import KERNEL_TIMEOUTS, MAX_DECISIONS, DecisionWire, kernel_timed

redis = pytest.importorskip("redis")

SHA = "0" * 40
LIMITS = tuple(parse_limits("5/minute"))


def redis_py_encoding(command: tuple[object, ...]) -> bytes:
    """The command as redis-py's own connection encodes it."""
    return b"".join(redis.Connection().pack_command(*command))


keys_strategy = st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=5).map(tuple)


@settings(max_examples=150, deadline=None)
@given(keys=keys_strategy, cost=st.integers(0, 10_000), amount=st.integers(1, 10**6),
       window=st.floats(0.001, 86_400), strategy=st.sampled_from(["fixed_window", "sliding_window",
                                                                   "token_bucket", "gcra"]))
def test_kept_decision_is_what_redis_py_would_send(keys: tuple[str, ...], cost: int, amount: int, window: float,
                                                   strategy: str) -> None:
    limits = (Limit(amount=amount, window=window, strategy=strategy),)  # type: ignore[arg-type]
    wire = DecisionWire(SHA)
    first, command = wire.command(keys, limits, cost)
    again, command_again = wire.command(keys, limits, cost)
    assert again is first and command_again is command  # kept, not encoded again
    assert first == redis_py_encoding(command)
    assert command[:3] == ("EVALSHA", SHA, len(keys)) and command[3:3 + len(keys)] == keys
    assert first == DecisionWire(SHA).command(keys, limits, cost)[0]  # the same as a fresh encoding


def test_every_part_of_the_request_selects_its_own_command() -> None:
    wire = DecisionWire(SHA)
    other_limits = tuple(parse_limits("6/minute"))
    base = wire.command(("a", "ban"), LIMITS, 1)[0]
    for keys, limits, cost in ((("b", "ban"), LIMITS, 1), (("a", "ban2"), LIMITS, 1), (("a", "ban", "set"), LIMITS, 1),
                               (("a", "ban"), other_limits, 1), (("a", "ban"), LIMITS, 2)):
        payload, command = wire.command(keys, limits, cost)
        assert payload != base
        assert payload == redis_py_encoding(command)


def test_an_equal_limit_tuple_of_another_identity_is_encoded_for_itself() -> None:
    wire = DecisionWire(SHA)
    wire.command(("a",), LIMITS, 1)
    copy = tuple(parse_limits("5/minute"))
    payload, command = wire.command(("a",), copy, 1)
    assert payload == redis_py_encoding(command)
    assert wire.command(("a",), copy, 1)[0] is payload  # and kept under its own identity


def test_a_test_clocks_time_is_sent_and_never_kept() -> None:
    wire = DecisionWire(SHA)
    assert wire.command(("a",), LIMITS, 1)[1][5] == ""  # kept without a clock: Redis's TIME
    first, command = wire.command(("a",), LIMITS, 1, now="100.5")
    second, _ = wire.command(("a",), LIMITS, 1, now="101.5")
    assert b"100.5" in first and b"101.5" in second and first != second
    assert command[5] == "100.5"
    assert wire.command(("a",), LIMITS, 1)[1][5] == ""  # without a clock: Redis's TIME, never an old time


def test_kept_decisions_are_bounded() -> None:
    wire = DecisionWire(SHA)
    for i in range(MAX_DECISIONS * 2 + 3):
        wire.command((f"client-{i}",), LIMITS, 1)
    assert 0 < len(wire._decisions) <= MAX_DECISIONS


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("APISHIELD_TEST_REDIS_URL")
    if not url:
        pytest.skip("needs APISHIELD_TEST_REDIS_URL (scripts/with-services.sh)")
    return url


@pytest.mark.redis
def test_kept_decisions_stay_exact_across_processes_sharing_redis(redis_url: str) -> None:
    """Two stores (two workers) deciding one client's limit with their kept commands admit exactly the limit,
    and a ban set in between refuses the next request of both."""
    from apishield.stores.redis import RedisStore

    a, b = RedisStore(redis_url, check_durability=False), RedisStore(redis_url, check_durability=False)
    key, ban = f"rl:{uuid.uuid4().hex}", f"ban:{uuid.uuid4().hex}"
    try:
        allowed = 0
        for i in range(12):
            banned, states, found = (a if i % 2 else b).hit_and_read(key, LIMITS, 1, ban, ())
            assert banned is None and found == []
            allowed += states[0].allowed
        assert allowed == 5
        assert len(a._wire._decisions) == 1 and len(b._wire._decisions) == 1  # encoded once each
        a.set(ban, "1", ttl=30)
        for store in (a, b):
            banned, states, _ = store.hit_and_read(key, LIMITS, 1, ban, ())
            assert banned is not None and 0 < banned <= 30 and states == []
    finally:
        a.delete(key)
        a.delete(ban)
        a.close()
        b.close()


def receive_timeout(sock: socket.socket) -> float:
    """The kernel's receive timeout of ``sock`` in seconds (it rounds to its clock tick)."""
    whole, micro = struct.unpack("@ll", sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, 16))
    return float(whole + micro / 1_000_000)


@pytest.mark.skipif(not KERNEL_TIMEOUTS, reason="kernel socket timeouts are used on Linux only")
def test_a_decision_socket_is_bounded_by_the_kernel_not_by_poll() -> None:
    """After ``kernel_timed`` the socket is blocking for Python (no ``poll()`` before each call) and the kernel
    holds the same bound: a read from a peer that never answers fails within it."""
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.create_connection(listener.getsockname(), timeout=2.0)
    peer, _ = listener.accept()
    try:
        kernel_timed(client, 0.05)
        assert client.gettimeout() is None
        assert receive_timeout(client) == pytest.approx(0.05, abs=0.011)
        start = time.perf_counter()
        with pytest.raises(OSError):  # EAGAIN once the kernel's wait is over
            client.recv(16)
        assert time.perf_counter() - start < 1.0
        kernel_timed(client, 5.0)  # done once: a socket already bounded by the kernel is left as it is
        assert receive_timeout(client) == pytest.approx(0.05, abs=0.011)
        kernel_timed(None, 0.05)  # not connected yet: nothing to do
    finally:
        for s in (client, peer, listener):
            s.close()


@pytest.mark.redis
@pytest.mark.skipif(not KERNEL_TIMEOUTS, reason="kernel socket timeouts are used on Linux only")
def test_decisions_on_redis_use_kernel_bounded_sockets(redis_url: str) -> None:
    from apishield.stores.redis import RedisStore

    store = RedisStore(redis_url, decision_timeout=0.2)
    try:
        key = f"wire-{uuid.uuid4().hex}"
        assert store.hit(key, LIMITS)[0].allowed
        assert store.hit(key, LIMITS)[0].remaining == 3
        socks = [conn._sock for idle in store._idle.values() for conn in idle]
        assert socks and all(s is not None and s.gettimeout() is None for s in socks)
        assert all(receive_timeout(s) == pytest.approx(0.2, abs=0.011) for s in socks)
    finally:
        store.close()
