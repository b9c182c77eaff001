"""4 processes x 8 threads hammer one key: SQLite and Redis admit exactly the limit, not one more."""

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
PROCESSES, THREADS, ATTEMPTS = 4, 8, 3  # 96 attempts per limit


def _worker(url: str, key: str) -> dict[str, int]:
    limiter = RateLimiter(from_url(url))
    admitted = dict.fromkeys(LIMITS, 0)
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def run() -> None:
        start.wait()
        for _ in range(ATTEMPTS):
            limiter.store.incr(f"{key}:counter", 1, ttl=600)
            for name, limit in LIMITS.items():
                if limiter.hit(f"{key}:{name}", limit).allowed:
                    with lock:
                        admitted[name] += 1

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    limiter.store.close()
    return admitted


def _hammer(url: str) -> dict[str, int]:
    key = uuid.uuid4().hex
    with ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_worker, [url] * PROCESSES, [key] * PROCESSES))
    store = from_url(url)
    counted = store.incr(f"{key}:counter", 0)
    store.close()
    assert counted == PROCESSES * THREADS * ATTEMPTS  # counters lose no increment either
    return {name: sum(r[name] for r in results) for name in LIMITS}


def test_sqlite_admits_exactly_the_limit_across_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    from_url(url).close()  # create the schema once
    assert _hammer(url) == dict.fromkeys(LIMITS, 50)


@pytest.mark.redis
def test_redis_admits_exactly_the_limit_across_processes(redis_url: str) -> None:
    assert _hammer(redis_url) == dict.fromkeys(LIMITS, 50)
