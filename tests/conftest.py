"""Shared fixtures: real servers on loopback only, free ports, always stopped."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of the real Redis server started by scripts/with-services.sh (make test / CI).

    Outside CI, tests that need Redis are skipped when none was provided; in CI its absence is an error.
    """
    url = os.environ.get("APISHIELD_TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must provide a real Redis server (APISHIELD_TEST_REDIS_URL)")
        pytest.skip("no Redis server: run through `make test` or set APISHIELD_TEST_REDIS_URL")
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {url} is not reachable: {exc}")
    finally:
        client.close()
    return url


@pytest.fixture(scope="session")
def database_url() -> str:
    """URL of the real PostgreSQL server started by scripts/with-services.sh."""
    url = os.environ.get("APISHIELD_TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must provide a real PostgreSQL server (APISHIELD_TEST_DATABASE_URL)")
        pytest.skip("no PostgreSQL server: run through `make test`")
    return url


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Any]:
    """A private redis-server (no persistence) on a free port that the test may stop, hang or watch."""
    from tests.stores._topology import RedisServer

    binary = os.environ.get("APISHIELD_REDIS_SERVER_BIN") or shutil.which("redis-server")
    if not binary:
        if os.environ.get("CI"):
            pytest.fail("CI must provide redis-server (APISHIELD_REDIS_SERVER_BIN or PATH)")
        pytest.skip("redis-server not found")
    server = RedisServer(binary, free_port(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
