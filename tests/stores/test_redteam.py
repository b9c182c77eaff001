"""Red-team regressions across every store backend: extreme but valid limits and costs decide sanely."""

from __future__ import annotations

import pytest

from apishield.ratelimit import RateLimiter
from apishield.ratelimit.limits import MAX_AMOUNT
from apishield.stores.base import Store

from ..ratelimit._helpers import FakeClock


@pytest.mark.parametrize("strategy", ["fixed-window", "sliding-window", "token-bucket", "gcra"])
def test_largest_amount_reports_exact_remaining(backend: tuple[Store, FakeClock | None, str], strategy: str) -> None:
    store, _, prefix = backend
    decision = RateLimiter(store).hit(prefix + "big", f"{MAX_AMOUNT}/day {strategy}", 1)
    assert decision.allowed
    # never negative or wrapped around (Redis once answered -2**63); GCRA's float clock may not register
    # one unit at ~10**10 per second, hence the upper bound MAX_AMOUNT
    assert MAX_AMOUNT - 2 <= decision.remaining <= MAX_AMOUNT


@pytest.mark.parametrize("strategy", ["fixed-window", "sliding-window", "token-bucket", "gcra"])
def test_huge_cost_is_denied_and_consumes_nothing(backend: tuple[Store, FakeClock | None, str],
                                                  strategy: str) -> None:
    store, _, prefix = backend
    limiter = RateLimiter(store)
    assert not limiter.hit(prefix + "c", f"5/minute {strategy}", 10**400).allowed
    assert limiter.hit(prefix + "c", f"5/minute {strategy}", 5).allowed


@pytest.mark.parametrize("url", [
    "redis://:hunter2-secret@127.0.0.1:notaport/0",  # redis-py's ValueError message
    "redis://user:hunter2-secret@127.0.0.1:6379/0?socket_timeout=abc",
    "redis+tls://user:hunter2-secret@cache.internal/0",  # a typo in the scheme
    "rediss://hunter2-secret@cache.internal:xx/0",
])
def test_store_url_errors_never_echo_the_password(url: str) -> None:
    from apishield.errors import ConfigError
    from apishield.stores import from_url

    with pytest.raises(ConfigError) as info:
        from_url(url)
    assert "hunter2" not in str(info.value)
    assert "cache.internal" in str(info.value) or "127.0.0.1" in str(info.value)  # still says which store


def test_redact_url_keeps_everything_but_the_credentials() -> None:
    from apishield.stores.base import redact_url

    assert redact_url("redis://u:p@h:1/0?x=1") == "redis://***@h:1/0?x=1"
    assert redact_url("sqlite:///tmp/a.db") == "sqlite:///tmp/a.db"
    assert redact_url("memory://") == "memory://"
    assert "p@ss" not in redact_url("redis://u:p@ss@h/0")


def test_infinite_ttl_means_no_expiry_on_every_backend(backend: tuple[Store, FakeClock | None, str]) -> None:
    # memory and SQLite kept such entries forever; Redis raised a bare OverflowError (no StoreError), which
    # e.g. SessionManager(absolute_timeout=float("inf")) hit on every login
    store, _, prefix = backend
    inf = float("inf")
    store.set(prefix + "v", "1", ttl=inf)
    assert store.get(prefix + "v") == "1"
    assert store.set_if_absent(prefix + "w", "1", ttl=inf)
    assert store.incr(prefix + "c", 1, ttl=inf) == 1
    store.add_member(prefix + "m", "a", ttl=inf)
    assert store.is_member(prefix + "m", "a")


def test_counter_overflow_is_a_store_error_not_a_crash(backend: tuple[Store, FakeClock | None, str]) -> None:
    from apishield.errors import StoreError

    store, _, prefix = backend
    try:
        value = store.incr(prefix + "big", 2**70)
    except StoreError:
        return
    assert value == 2**70  # the memory store has Python integers


@pytest.mark.parametrize("query", ["timeout=abc", "timeout=nan", "timeout=inf", "timeout=-1", "timeout=1e400"])
def test_bad_sqlite_timeout_is_a_config_error(tmp_path: object, query: str) -> None:
    from apishield.errors import ConfigError
    from apishield.stores import from_url

    with pytest.raises(ConfigError):
        from_url(f"sqlite:///{tmp_path}/t.db?{query}")
