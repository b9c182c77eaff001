"""A master dies: decisions resume within the documented bound and no key admits past its limit.

Each test runs its own topology (started on free loopback ports) and kills a master with SIGKILL. Writes
acknowledged by the master but not yet copied to its replica may be lost in a failover (Redis replicates
asynchronously); the store's ``wait_replicas`` option closes that window, and these tests use it, so the
admission count must stay exact across the failover.
"""

from __future__ import annotations

import time
import uuid

import pytest

from apishield.errors import StoreError
from apishield.ratelimit import RateLimiter
from apishield.stores import from_url

from ._topology import Cluster, SentinelGroup

LIMIT = "10/hour fixed-window"
BEFORE = 6  # admitted per key before the master dies
# documented bound: failure detection (cluster-node-timeout / down-after-milliseconds, 1 s here) plus the
# election and the client's topology refresh; generous for a loaded 2-core CI machine
RESUME_BOUND = 12.0
# short timeouts, and every decision waits (10 ms at most) for one replica to hold it
OPTIONS: dict[str, float] = {
    "socket_timeout": 0.5, "socket_connect_timeout": 0.5, "decision_timeout": 0.5, "wait_replicas": 1,
    "wait_timeout": 0.01,
}


def _fail_over(limiter: RateLimiter, keys: list[str], kill: object) -> tuple[dict[str, int], float, int]:
    admitted = dict.fromkeys(keys, 0)
    for key in keys:
        for _ in range(BEFORE):
            assert limiter.hit(key, LIMIT).allowed
            admitted[key] += 1
    kill()  # type: ignore[operator]
    start = time.monotonic()
    pending, errors, resumed = set(keys), 0, 0.0
    while pending:
        assert time.monotonic() - start < RESUME_BOUND, f"no decision for {sorted(pending)[:3]} within the bound"
        for key in sorted(pending):
            try:
                decision = limiter.hit(key, LIMIT)
            except StoreError:
                errors += 1
                continue
            admitted[key] += decision.allowed
            pending.discard(key)
            resumed = time.monotonic() - start
        if pending:
            time.sleep(0.05)  # polling a real failover in progress
    for key in keys:  # after the failover: spend the rest of each key's quota, and then some
        for _ in range(10):
            admitted[key] += limiter.hit(key, LIMIT).allowed
    return admitted, resumed, errors


@pytest.mark.redis
@pytest.mark.slow
def test_cluster_master_killed_decisions_resume_and_stay_exact(own_cluster: Cluster) -> None:
    store = from_url(own_cluster.url, **OPTIONS)
    limiter = RateLimiter(store)
    tag = uuid.uuid4().hex[:8]
    keys = [f"{tag}-{i}" for i in range(18)]
    victim = own_cluster.master_of(f"rl:{keys[0]}")
    on_victim = [k for k in keys if own_cluster.master_of(f"rl:{k}") == victim]
    assert 0 < len(on_victim) < len(keys)  # keys on the dying master and on the surviving ones
    admitted, resumed, errors = _fail_over(limiter, keys, lambda: own_cluster.kill(victim))
    assert admitted == dict.fromkeys(keys, 10), admitted
    assert own_cluster.master_of(f"rl:{keys[0]}") != victim  # a replica took over the slot
    assert errors > 0 and resumed < RESUME_BOUND  # the outage was seen, and it ended in time
    print(f"cluster failover: decisions resumed after {resumed:.2f} s, {errors} store errors meanwhile")
    store.close()


@pytest.mark.redis
@pytest.mark.slow
def test_sentinel_master_killed_decisions_resume_and_stay_exact(own_sentinels: SentinelGroup) -> None:
    store = from_url(own_sentinels.url, **OPTIONS)
    limiter = RateLimiter(store)
    tag = uuid.uuid4().hex[:8]
    keys = [f"{tag}-{i}" for i in range(6)]
    admitted, resumed, errors = _fail_over(limiter, keys, lambda: own_sentinels.kill(own_sentinels.master))
    assert admitted == dict.fromkeys(keys, 10), admitted
    assert errors > 0 and resumed < RESUME_BOUND
    print(f"sentinel failover: decisions resumed after {resumed:.2f} s, {errors} store errors meanwhile")
    assert store.client.connection_pool.get_master_address()[1] == own_sentinels.replica  # type: ignore[attr-defined]
    store.close()
