"""Store URLs for Redis Cluster and Sentinel: parsing, TLS, errors before and after the first connection."""

from __future__ import annotations

from typing import Any

import pytest

from apishield.errors import ConfigError, StoreError
from apishield.stores import from_url
from apishield.stores.redis import RedisStore
from apishield.stores.redis_topology import kind_of, parse_multi_host

from ..conftest import free_port


def test_cluster_url_lists_every_seed_node() -> None:
    parts = parse_multi_host("redis+cluster://u:p%40ss@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002")
    assert parts.kind == "cluster" and not parts.tls
    assert parts.hosts == (("10.0.0.1", 7000), ("10.0.0.2", 7001), ("::1", 7002))
    assert (parts.username, parts.password) == ("u", "p@ss")


def test_sentinel_url_names_the_service_and_database() -> None:
    parts = parse_multi_host("rediss+sentinel://:secret@s1:26380,s2/mymaster/2")
    assert parts.kind == "sentinel" and parts.tls
    assert parts.hosts == (("s1", 26380), ("s2", 26379))  # the sentinel default port
    assert (parts.service, parts.db, parts.password) == ("mymaster", 2, "secret")


@pytest.mark.parametrize(
    "url",
    [
        "redis+sentinel://s1:26379",  # no service
        "redis+sentinel://s1:26379/",
        "redis+cluster://",  # no node
        "redis+cluster://h:notaport",
        "redis+cluster://h:0",
        "redis+cluster://h:7000/3",  # clusters have one database
        "redis+sentinel://s1/svc/x",
    ],
)
def test_malformed_multi_host_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        from_url(url)


def test_config_errors_never_echo_the_password() -> None:
    with pytest.raises(ConfigError) as info:
        from_url("redis+cluster://user:hunter2@h:notaport")
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("redis://h/0", "single"),
        ("rediss+cluster://h:1", "cluster"),
        ("valkey+sentinel://h:1/s", "sentinel"),
        ("valkeys+cluster://h:1", "cluster"),
    ],
)
def test_schemes_choose_the_topology(url: str, kind: str) -> None:
    store = from_url(url)
    assert isinstance(store, RedisStore) and store.kind == kind == kind_of(store.url)
    store.close()


def test_rediss_sentinel_uses_tls_to_the_master_and_the_sentinels() -> None:
    import redis.sentinel

    store = from_url("rediss+sentinel://127.0.0.1:26379/svc")
    assert isinstance(store, RedisStore)
    pool = store.client.connection_pool
    assert issubclass(pool.connection_class, redis.sentinel.SentinelManagedSSLConnection)
    sentinel = pool.sentinel_manager.sentinels[0]
    assert issubclass(sentinel.connection_pool.connection_class, redis.SSLConnection)
    store.close()


def test_rediss_cluster_asks_redis_py_for_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    import redis.cluster

    seen: dict[str, Any] = {}

    class Recorder:
        def __init__(self, **kwargs: Any) -> None:
            seen.update(kwargs)

    monkeypatch.setattr(redis.cluster, "RedisCluster", Recorder)
    store = from_url("rediss+cluster://a:1,b:2", socket_timeout=0.1)
    assert isinstance(store, RedisStore)
    store.client  # the cluster client is created on first use
    assert seen["ssl"] is True and seen["socket_timeout"] == 0.1
    assert [(n.host, n.port) for n in seen["startup_nodes"]] == [("a", 1), ("b", 2)]


@pytest.mark.parametrize("scheme", ["redis+cluster", "redis+sentinel"])
def test_unreachable_topology_is_a_store_error_on_use_not_at_start_up(scheme: str) -> None:
    from apishield.ratelimit import parse_limits

    url = f"{scheme}://127.0.0.1:{free_port()}" + ("/svc" if "sentinel" in scheme else "")
    store = from_url(url, socket_timeout=0.2, socket_connect_timeout=0.2)  # the app starts
    for op in (lambda: store.get("k"), lambda: store.incr("k"), lambda: store.hit("k", parse_limits("1/s"))):
        with pytest.raises(StoreError):
            op()
    store.close()


@pytest.mark.redis
def test_cluster_scripts_survive_a_script_flush(cluster_url: str) -> None:
    """A node that lost its script cache (restart, new master) answers NOSCRIPT; the store loads it again."""
    from apishield.ratelimit import RateLimiter

    store = from_url(cluster_url)
    limiter = RateLimiter(store)
    keys = [f"noscript-{i}" for i in range(12)]
    assert all(limiter.hit(k, "5/minute") for k in keys)
    store.client.script_flush()  # type: ignore[attr-defined]  # on every master
    assert all(limiter.hit(k, "5/minute") for k in keys)
    assert store.incr("noscript-counter", 1, ttl=10) >= 1
    assert [limiter.hit(keys[0], "5/minute").remaining for _ in range(3)] == [2, 1, 0]
    store.close()


@pytest.mark.redis
def test_cluster_follows_a_moved_slot(cluster_url: str) -> None:
    """A stale slot table (the slot moved) is corrected from the MOVED answer, and the decision is made once."""
    from redis.crc import key_slot

    from apishield.ratelimit import RateLimiter

    store = from_url(cluster_url)
    limiter = RateLimiter(store)
    key = "moved-key"
    assert limiter.hit(key, "3/minute").remaining == 2
    nodes = store.client.nodes_manager  # type: ignore[attr-defined]
    slot = key_slot(f"rl:{key}".encode())
    right = nodes.slots_cache[slot]
    wrong = next(n for n in nodes.get_nodes_by_server_type("primary") if n.name != right[0].name)
    nodes.slots_cache[slot] = [wrong]  # as if the slot had moved since the table was read
    assert limiter.hit(key, "3/minute").remaining == 1  # MOVED followed; counted once
    assert nodes.slots_cache[slot][0].name == right[0].name  # table corrected
    assert limiter.hit(key, "3/minute").remaining == 0
    store.close()
