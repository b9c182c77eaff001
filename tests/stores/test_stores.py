"""The Store contract, run against memory, SQLite and Redis."""

from __future__ import annotations

import pytest

from apishield.errors import ConfigError
from apishield.stores import MemoryStore, SQLiteStore, from_url
from apishield.stores.base import Store
from apishield.stores.sqlite import path_from_url

from ..ratelimit._helpers import FakeClock

Backend = tuple[Store, FakeClock | None, str]


def test_store_implements_protocol(backend: Backend) -> None:
    store, _, _ = backend
    assert isinstance(store, Store)


def test_get_set_pop_delete(backend: Backend) -> None:
    store, _, p = backend
    assert store.get(p + "a") is None
    store.set(p + "a", "1")
    assert store.get(p + "a") == "1"
    store.set(p + "a", "2")
    assert store.get(p + "a") == "2"
    assert store.set_if_absent(p + "a", "3") is False
    assert store.set_if_absent(p + "b", "3") is True
    assert store.pop(p + "a") == "2"
    assert store.pop(p + "a") is None
    store.delete(p + "b")
    store.delete(p + "missing")
    assert store.get(p + "b") is None


def test_ttl_expiry(backend: Backend) -> None:
    store, clock, p = backend
    store.set(p + "a", "1", ttl=30)
    store.set(p + "forever", "1")
    remaining = store.ttl(p + "a")
    assert remaining is not None and 29 < remaining <= 30
    assert store.ttl(p + "forever") is None
    assert store.ttl(p + "missing") is None
    if clock is None:
        return  # Redis keeps its own time; expiry itself is Redis's job
    clock.advance(30)
    assert store.get(p + "a") is None and store.ttl(p + "a") is None
    assert store.set_if_absent(p + "a", "new", ttl=5) is True
    assert store.pop(p + "a") == "new"


def test_counters(backend: Backend) -> None:
    store, clock, p = backend
    assert store.incr(p + "c", ttl=10) == 1
    assert store.incr(p + "c", 5, ttl=999) == 6
    remaining = store.ttl(p + "c")
    assert remaining is not None and remaining <= 10  # TTL set at creation only
    if clock is not None:
        clock.advance(10)
        assert store.incr(p + "c") == 1


def test_members(backend: Backend) -> None:
    store, clock, p = backend
    store.add_member(p + "s", "x", ttl=10)
    store.add_member(p + "s", "y")
    store.add_member(p + "s", "z", ttl=100)
    assert store.is_member(p + "s", "x") and not store.is_member(p + "s", "w")
    assert sorted(store.members(p + "s")) == ["x", "y", "z"]
    store.remove_member(p + "s", "z")
    store.remove_member(p + "s", "nope")
    assert sorted(store.members(p + "s")) == ["x", "y"]
    if clock is not None:
        clock.advance(10)
        assert not store.is_member(p + "s", "x")
        assert store.members(p + "s") == ["y"]


def test_now_is_a_plausible_epoch(backend: Backend) -> None:
    store, clock, _ = backend
    now = store.now()
    if clock is not None:
        assert now == clock.now
    else:
        import time

        assert abs(now - time.time()) < 60


def test_from_url_schemes(tmp_path: object) -> None:
    assert isinstance(from_url("memory://"), MemoryStore)
    store = from_url(f"sqlite:///{tmp_path}/x.db")
    assert isinstance(store, SQLiteStore)
    store.close()
    for bad in ("ftp://x", "nothing", "sqlite://host/x.db", "sqlite:///"):
        with pytest.raises(ConfigError):
            from_url(bad)


def test_sqlite_paths() -> None:
    assert path_from_url("sqlite:///rel/x.db") == "rel/x.db"
    assert path_from_url("sqlite:////abs/x.db") == "/abs/x.db"


def test_sqlite_is_shared_between_store_objects(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/shared.db"
    a, b = from_url(url), from_url(url)
    a.set("k", "v")
    assert b.get("k") == "v"
    assert a.incr("n") == 1 and b.incr("n") == 2
    a.close()
    b.close()


def test_unreachable_redis_raises_store_error_for_every_operation() -> None:
    from apishield.errors import StoreError
    from apishield.ratelimit import parse_limits

    from ..conftest import free_port

    store = from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.2, socket_timeout=0.2)
    ops = [
        lambda: store.get("k"),
        lambda: store.set("k", "v", ttl=1),
        lambda: store.set_if_absent("k", "v"),
        lambda: store.pop("k"),
        lambda: store.delete("k"),
        lambda: store.ttl("k"),
        lambda: store.incr("k", ttl=1),
        lambda: store.add_member("k", "m"),
        lambda: store.is_member("k", "m"),
        lambda: store.remove_member("k", "m"),
        lambda: store.members("k"),
        lambda: store.hit("k", parse_limits("1/second")),
        store.now,
    ]
    for op in ops:
        with pytest.raises(StoreError):
            op()
    store.close()


def test_rediss_url_uses_tls() -> None:
    import redis

    from apishield.stores.redis import RedisStore

    store = from_url("rediss://127.0.0.1:6380/0")
    assert isinstance(store, RedisStore)
    assert issubclass(store.client.connection_pool.connection_class, redis.SSLConnection)
    store.close()
