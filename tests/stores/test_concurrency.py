"""4 processes x 8 threads hammer shared keys: SQLite and every Redis topology admit exactly the limit, per key.

Keys are spread over several names per limit, so on a cluster they land on different slots and masters.
"""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from apishield.ratelimit import RateLimiter
from apishield.stores import from_url

# long windows, so no refill or window edge can add a unit during the few seconds the test runs
LIMITS = {
    "fixed": "50/week fixed-window",
    "sliding": "50/day sliding-window",
    "bucket": "50/day burst 50 token-bucket",
    "gcra": "50/day burst 50 gcra",
}
PROCESSES, THREADS, ATTEMPTS = 4, 8, 3  # 96 attempts per key
KEYS_PER_LIMIT = 3


def _names() -> list[str]:
    return [f"{name}:{i}" for name in LIMITS for i in range(KEYS_PER_LIMIT)]


def _assert_spread_over_masters(url: str, keys: list[str]) -> None:
    """On a cluster the keys must land on more than one master, or the test shows nothing about routing."""
    from redis.crc import key_slot

    store = from_url(url)
    nodes = store.client.nodes_manager  # type: ignore[attr-defined]
    masters = {nodes.get_node_from_slot(key_slot(k.encode())).name for k in keys}
    store.close()
    assert len(masters) >= 2


def _worker(url: str, key: str) -> dict[str, int]:
    # 32 threads on a small machine: a generous lock / socket wait, so only exactness is being tested
    limiter = RateLimiter(from_url(url, decision_timeout=10))
    admitted = dict.fromkeys(_names(), 0)
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def run() -> None:
        start.wait()
        for _ in range(ATTEMPTS):
            limiter.store.incr(f"{key}:counter", 1, ttl=600)
            for name, limit in LIMITS.items():
                for i in range(KEYS_PER_LIMIT):
                    if limiter.hit(f"{key}:{name}:{i}", limit).allowed:
                        with lock:
                            admitted[f"{name}:{i}"] += 1

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    limiter.store.close()
    return admitted


def _hammer(url: str) -> dict[str, int]:
    key = uuid.uuid4().hex
    if url.startswith("redis+cluster"):
        _assert_spread_over_masters(url, [f"rl:{key}:{name}" for name in _names()])
    with ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_worker, [url] * PROCESSES, [key] * PROCESSES))
    store = from_url(url)
    counted = store.incr(f"{key}:counter", 0)
    store.close()
    assert counted == PROCESSES * THREADS * ATTEMPTS  # counters lose no increment either
    return {name: sum(r[name] for r in results) for name in _names()}


def test_sqlite_admits_exactly_the_limit_across_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    from_url(url).close()  # create the schema once
    assert _hammer(url) == dict.fromkeys(_names(), 50)


@pytest.mark.redis
def test_redis_admits_exactly_the_limit_across_processes(redis_kind_url: str) -> None:
    """One server, the cluster (keys on several masters) and the sentinel-managed master alike."""
    assert _hammer(redis_kind_url) == dict.fromkeys(_names(), 50)
