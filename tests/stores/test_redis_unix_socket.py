"""A Redis on the same host over its Unix socket (``unix:///path/redis.sock?db=0``): the same store, no TCP."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from apishield.errors import StoreError
from apishield.ratelimit import parse_limits
from apishield.stores import from_url
from apishield.stores.redis import RedisStore

from .conftest import _redis_binary


@pytest.fixture
def socket_path(tmp_path: Path) -> Iterator[Path]:
    """A private redis-server that listens on a Unix socket only (``--port 0``)."""
    path = tmp_path / "redis.sock"
    proc = subprocess.Popen(
        [_redis_binary(), "--port", "0", "--unixsocket", str(path), "--unixsocketperm", "700", "--save", "",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not path.exists():
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("redis-server did not open its Unix socket")
            time.sleep(0.02)  # waiting for a real server to listen
        yield path
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_unix_socket_url_opens_the_redis_store_and_decides_exactly(socket_path: Path) -> None:
    store = from_url(f"unix://{socket_path}?db=0")
    try:
        assert isinstance(store, RedisStore) and store.kind == "single"
        limits = parse_limits("3/minute")
        store.add_member("rev", "jti-1", ttl=60)
        answers = [store.hit_and_read("k", limits, 1, "ban", ["rev", "none"]) for _ in range(4)]
        assert [states[0].allowed for _, states, _ in answers] == [True, True, True, False]
        assert all(found == [["jti-1"], []] for _, _, found in answers)
        store.set("ban", "1", ttl=30)
        banned, states, _ = store.hit_and_read("k", limits, 1, "ban", ["rev"])
        assert banned is not None and 0 < banned <= 30 and states == []
    finally:
        store.close()


def test_a_missing_socket_is_a_store_error_not_a_crash(tmp_path: Path) -> None:
    store = from_url(f"unix://{tmp_path / 'absent.sock'}?db=0", check_durability=False)
    try:
        with pytest.raises(StoreError):
            store.hit("k", parse_limits("3/minute"), 1)
    finally:
        store.close()
