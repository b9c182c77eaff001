"""Store fixtures: every backend behind one parametrized fixture, with a settable clock where possible."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from apishield.stores import from_url
from apishield.stores.base import Store

from ..ratelimit._helpers import FakeClock
from ._topology import Cluster, SentinelGroup

REDIS_URL_ENV = {
    "redis": "APISHIELD_TEST_REDIS_URL",
    "cluster": "APISHIELD_TEST_REDIS_CLUSTER_URL",
    "sentinel": "APISHIELD_TEST_REDIS_SENTINEL_URL",
}


def service_url(kind: str) -> str:
    """The URL of the shared test server(s) of ``kind``, started by scripts/with-services.sh.

    Skipped only when the variable is absent outside CI (``make test`` always sets it); in CI its absence
    is an error.
    """
    name = REDIS_URL_ENV[kind]
    url = os.environ.get(name)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide {name} (scripts/with-services.sh)")
        pytest.skip(f"{name} is not set: run through `make test` or scripts/with-services.sh")
    return url


@pytest.fixture
def cluster_url() -> str:
    return service_url("cluster")


@pytest.fixture
def sentinel_url() -> str:
    return service_url("sentinel")


@pytest.fixture(params=["redis", "cluster", "sentinel"])
def redis_kind_url(request: pytest.FixtureRequest) -> str:
    """Each Redis topology in turn: one server, the cluster, the sentinel-managed master."""
    if request.param == "redis":
        return str(request.getfixturevalue("redis_url"))
    return service_url(request.param)


@pytest.fixture(params=["memory", "sqlite", "redis", "cluster", "sentinel"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, FakeClock | None, str]]:
    """(store, clock or None when the backend keeps its own time, unique key prefix)."""
    prefix = f"t{uuid.uuid4().hex[:12]}:"
    if request.param in REDIS_URL_ENV:
        url = request.getfixturevalue("redis_url") if request.param == "redis" else service_url(request.param)
        store = from_url(url)
        yield store, None, prefix
    else:
        clock = FakeClock()
        url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'store.db'}"
        store = from_url(url, clock=clock)
        yield store, clock, prefix
    store.close()


def _redis_binary() -> str:
    binary = os.environ.get("APISHIELD_REDIS_SERVER_BIN") or shutil.which("redis-server")
    if not binary or not shutil.which("redis-cli"):
        if os.environ.get("CI"):
            pytest.fail("CI must provide redis-server and redis-cli")
        pytest.skip("redis-server / redis-cli not found")
    return binary


@pytest.fixture
def own_cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A private cluster this test may break (3 masters + 3 replicas, node timeout 1 s)."""
    cluster = Cluster(_redis_binary(), tmp_path)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def own_sentinels(tmp_path: Path) -> Iterator[SentinelGroup]:
    """A private master + replica + 3 sentinels this test may break."""
    group = SentinelGroup(_redis_binary(), tmp_path)
    try:
        group.start()
        yield group
    finally:
        group.stop()
