"""Memory, SQLite and Redis (the Lua script) make the same decisions for the same arrivals.

The Lua script mirrors the Python strategies; here both are driven with the same clock (Redis's script
accepts an explicit time in tests) over random arrival sequences, and must agree decision for decision.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apishield.ratelimit import Limit, RateLimiter
from apishield.stores import from_url
from apishield.stores.redis import RedisStore

from ..ratelimit._helpers import FakeClock, run_sequence

limit_sets = st.lists(
    st.builds(
        lambda amount, window, strategy, burst: Limit(
            amount, window, burst if strategy in ("token_bucket", "gcra") else None, strategy
        ),
        st.integers(1, 6),
        st.sampled_from([1.0, 2.5, 10.0]),
        st.sampled_from(["fixed_window", "sliding_window", "token_bucket", "gcra"]),
        st.integers(1, 8),
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda lim: lim.id,
)
arrivals = st.lists(
    st.tuples(st.floats(0, 3.0, allow_nan=False).map(lambda x: round(x, 3)), st.integers(1, 3)), max_size=30
)


def _decisions(store: object, clock: FakeClock, limits: list[Limit], seq: list[tuple[float, int]], key: str) -> list:
    return [(ok, rem) for _, _, ok, rem in run_sequence(store, clock, limits, seq, key=key)]  # type: ignore[arg-type]


@pytest.mark.redis
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limits=limit_sets, seq=arrivals)
def test_lua_and_sqlite_agree_with_memory(
    redis_url: str, tmp_path: Path, limits: list[Limit], seq: list[tuple[float, int]]
) -> None:
    key = uuid.uuid4().hex
    expected = _decisions(from_url("memory://", clock=(c := FakeClock())), c, limits, seq, key)
    redis_store = from_url(redis_url)
    assert isinstance(redis_store, RedisStore)
    redis_store.test_clock = (rc := FakeClock())
    assert _decisions(redis_store, rc, limits, seq, key) == expected
    redis_store.close()
    sqlite_store = from_url(f"sqlite:///{tmp_path / (key + '.db')}", clock=(sc := FakeClock()))
    assert _decisions(sqlite_store, sc, limits, seq, key) == expected
    sqlite_store.close()


@pytest.mark.redis
def test_redis_uses_its_own_time_so_skewed_app_clocks_agree(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two app "processes", one with its clock 30 minutes fast, share one fixed window exactly, and both
    report the window end computed from Redis's TIME."""
    import time

    import redis

    client = redis.Redis.from_url(redis_url)

    def server_now() -> float:
        sec, usec = client.time()
        return float(sec + usec / 1e6)

    a = RateLimiter(from_url(redis_url))
    b = RateLimiter(from_url(redis_url))
    real_time = time.time
    # A run that straddles an hour boundary (Redis's) legitimately sees two windows: run it again then.
    for _attempt in range(2):
        key = uuid.uuid4().hex
        started = server_now()
        results = []
        for i in range(14):
            if i % 2:
                monkeypatch.setattr(time, "time", lambda: real_time() + 1800)  # b's skewed clock
                results.append(b.hit(key, "10/hour fixed"))
                monkeypatch.setattr(time, "time", real_time)
            else:
                results.append(a.hit(key, "10/hour fixed"))
        finished = server_now()
        if started // 3600 == finished // 3600:
            break
    client.close()
    assert sum(d.allowed for d in results) == 10
    expected_reset = 3600 - finished % 3600
    for d in results:
        assert abs(d.reset_after - expected_reset) < 2  # Redis's window, not either app's


@pytest.mark.redis
def test_redis_reports_headers_and_retry(redis_url: str) -> None:
    limiter = RateLimiter(from_url(redis_url))
    key = uuid.uuid4().hex
    assert [limiter.hit(key, "2/minute; 5/second burst 3").allowed for _ in range(3)] == [True, True, False]
    d = limiter.hit(key, "2/minute; 5/second burst 3")
    assert not d.allowed and 0 < d.retry_after <= 120
    headers = d.headers()
    assert headers["Retry-After"].isdigit() and "RateLimit-Policy" in headers
