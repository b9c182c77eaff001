"""Four gunicorn workers share one rate limit through Redis or SQLite: exactly N requests get through."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.integrations.servers import serve

pytestmark = pytest.mark.xdist_group("integration-multiworker")

LIMIT = 10
REQUESTS = 40


def _burst(base: str, path: str, count: int) -> list[httpx.Response]:
    headers = {"X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=base, headers=headers, timeout=20, limits=httpx.Limits(max_connections=count)) as c:
        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(lambda _: c.get(path), range(count)))


def _check_shared_limit(base: str) -> None:
    # workers boot one after another: wait until bursts are served by more than one process
    pids: set[int] = set()
    deadline = time.monotonic() + 20
    while len(pids) < 2 and time.monotonic() < deadline:
        pids |= {r.json()["pid"] for r in _burst(base, "/health", 24) if r.status_code == 200}
        time.sleep(0.2)
    assert len(pids) >= 2, "the bursts should have been spread over several worker processes"
    statuses = [r.status_code for r in _burst(base, "/limited", REQUESTS)]
    assert statuses.count(200) == LIMIT, statuses
    assert statuses.count(429) == REQUESTS - LIMIT, statuses


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'limits.db'}"


@pytest.mark.redis
def test_four_workers_share_one_limit_on_redis(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()
    with serve("flask", workers=4, APISHIELD_TEST_STORE=redis_url, APISHIELD_TEST_LIMIT=f"{LIMIT}/minute") as base:
        _check_shared_limit(base)


def test_four_workers_share_one_limit_on_sqlite(sqlite_url: str) -> None:
    with serve("flask", workers=4, APISHIELD_TEST_STORE=sqlite_url, APISHIELD_TEST_LIMIT=f"{LIMIT}/minute") as base:
        _check_shared_limit(base)
