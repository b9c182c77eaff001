"""Login lockout: reserve-then-check, exact per-account budget, device cookies, address and global limits."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from apishield.auth.lockout import LOGIN_FAILED, LOGIN_THROTTLED, LoginService, LoginThrottle
from apishield.auth.passwords import Passwords
from apishield.errors import ConfigError
from apishield.stores.base import Store

from .conftest import FakeClock

CHEAP = {"time_cost": 1, "memory_cost": 64, "parallelism": 1}
DEVICE_SECRET = "d" * 40
GOOD = "violet tractor sings at noon"


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords(**CHEAP)  # type: ignore[arg-type]


class SlowPasswords(Passwords):
    """Counts password checks and makes each one slow, so parallel attempts overlap the hash."""

    def __init__(self) -> None:
        super().__init__(**CHEAP)  # type: ignore[arg-type]
        self.checks = 0
        self._lock = threading.Lock()

    def verify(self, stored_hash: str | None, password: str) -> Any:
        with self._lock:
            self.checks += 1
        time.sleep(0.02)
        return super().verify(stored_hash, password)


def _users(passwords: Passwords) -> dict[str, tuple[str, str]]:
    return {"target": ("u-1", passwords.hash(GOOD)), "other": ("u-2", passwords.hash(GOOD))}


def test_parallel_guesses_get_exactly_the_configured_budget(any_store: Store, clock: FakeClock) -> None:
    slow = SlowPasswords()
    users = _users(slow)
    service = LoginService(slow, LoginThrottle(any_store, max_attempts=5, ip_max_attempts=1000,
                                               namespace=f"t{time.monotonic_ns()}", clock=clock), users.get)
    outcomes: list[int] = []

    def guess(i: int) -> None:
        outcomes.append(service.login("target", f"guess {i}", f"198.51.100.{i}").status)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert slow.checks == 5
    assert outcomes.count(401) == 5 and outcomes.count(429) == 35


def test_success_clears_only_that_account_and_only_after_every_condition(passwords: Passwords, store: Store,
                                                                          clock: FakeClock) -> None:
    users = _users(passwords)
    verified = {"u-2"}
    throttle = LoginThrottle(store, max_attempts=3, ip_max_attempts=1000, clock=clock)
    service = LoginService(passwords, throttle, users.get,
                           accept=lambda s: None if s in verified else "Verify your e-mail address first.")
    for _ in range(2):
        assert service.login("target", "wrong", "203.0.113.1").message == LOGIN_FAILED
    # the right password on an unverified account: refused with 403, and the counter is NOT cleared
    refused = service.login("target", GOOD, "203.0.113.1")
    assert (refused.ok, refused.status) == (False, 403)
    assert service.login("other", GOOD, "203.0.113.1").ok  # another account's success changes nothing
    assert service.login("target", "wrong", "203.0.113.1").message == LOGIN_THROTTLED
    assert service.login("TARGET", GOOD, "203.0.113.9").message == LOGIN_THROTTLED  # same canonical account


def test_window_is_fixed_and_retry_after_says_when(passwords: Passwords, store: Store, clock: FakeClock) -> None:
    service = LoginService(passwords, LoginThrottle(store, max_attempts=2, window=600, clock=clock),
                           _users(passwords).get)
    service.login("target", "a", "192.0.2.1")
    clock.advance(100)
    service.login("target", "b", "192.0.2.1")
    locked = service.login("target", GOOD, "192.0.2.2")
    assert locked.status == 429 and locked.retry_after == pytest.approx(500)
    clock.advance(501)
    assert service.login("target", GOOD, "192.0.2.2").ok


def test_known_device_is_exempt_from_the_account_lock(passwords: Passwords, store: Store, clock: FakeClock) -> None:
    throttle = LoginThrottle(store, max_attempts=3, device_secret=DEVICE_SECRET, clock=clock)
    service = LoginService(passwords, throttle, _users(passwords).get)
    first = service.login("target", GOOD, "10.1.1.1")
    assert first.ok and first.device_cookie
    for i in range(10):  # the attacker keeps the account locked from changing addresses
        service.login("target", f"guess {i}", f"198.51.100.{i}")
    assert service.login("target", GOOD, "10.9.9.9").status == 429  # an unknown device is locked out
    owner = service.login("target", GOOD, "10.9.9.9", device=first.device_cookie)
    assert owner.ok and owner.device_cookie and owner.device_cookie != first.device_cookie


def test_device_cookie_grants_nothing_for_another_account_or_when_tampered(passwords: Passwords, store: Store,
                                                                            clock: FakeClock) -> None:
    throttle = LoginThrottle(store, max_attempts=2, device_secret=DEVICE_SECRET, clock=clock)
    service = LoginService(passwords, throttle, _users(passwords).get)
    mine = service.login("other", GOOD, "10.1.1.1").device_cookie
    assert mine is not None
    for i in range(3):
        service.login("target", f"guess {i}", "198.51.100.1")
    assert service.login("target", GOOD, "10.1.1.1", device=mine).status == 429
    assert service.login("target", GOOD, "10.1.1.1", device=mine[:-2] + "xx").status == 429
    forged = LoginThrottle(store, device_secret="f" * 40, clock=clock).issue_device("target")
    assert service.login("target", GOOD, "10.1.1.1", device=forged).status == 429


def test_a_stolen_device_cookie_still_gets_only_the_budget(passwords: Passwords, store: Store,
                                                           clock: FakeClock) -> None:
    slow = SlowPasswords()
    throttle = LoginThrottle(store, max_attempts=3, device_secret=DEVICE_SECRET, clock=clock)
    service = LoginService(slow, throttle, _users(slow).get)
    cookie = service.login("target", GOOD, "10.1.1.1").device_cookie
    slow.checks = 0
    statuses = [service.login("target", f"g{i}", "10.1.1.1", device=cookie).status for i in range(6)]
    assert slow.checks == 3 and statuses == [401, 401, 401, 429, 429, 429]


def test_address_and_global_anomaly_limits(passwords: Passwords, store: Store, clock: FakeClock) -> None:
    throttle = LoginThrottle(store, max_attempts=100, ip_max_attempts=4, global_max_attempts=10,
                             device_secret=DEVICE_SECRET, clock=clock)
    service = LoginService(passwords, throttle, _users(passwords).get)
    cookie = service.login("target", GOOD, "10.1.1.1").device_cookie
    statuses = [service.login(f"user{i}", "x", "192.0.2.50").status for i in range(6)]
    assert statuses == [401] * 4 + [429] * 2  # one address spraying many accounts
    for i in range(8):  # a distributed spray: every address is new, the site-wide counter fills
        service.login(f"user{i}", "x", f"198.51.100.{i}")
    assert service.login("target", GOOD, "203.0.113.77").status == 429
    assert service.login("target", GOOD, "203.0.113.77", device=cookie).ok  # known devices still get in


def test_configuration_is_checked(store: Store) -> None:
    for bad in ({"max_attempts": 0}, {"window": 0}, {"device_secret": "short"}):
        with pytest.raises(ConfigError):
            LoginThrottle(store, **bad)  # type: ignore[arg-type]


def test_device_cookies_expire(passwords: Passwords, store: Store, clock: FakeClock) -> None:
    throttle = LoginThrottle(store, max_attempts=1, device_secret=DEVICE_SECRET, device_max_age=3600, clock=clock)
    service = LoginService(passwords, throttle, _users(passwords).get)
    cookie = service.login("target", GOOD, "10.1.1.1").device_cookie
    service.login("target", "wrong", "198.51.100.1")
    service.login("target", "wrong", "198.51.100.1")
    assert service.login("target", GOOD, "10.1.1.1", device=cookie).ok
    clock.advance(3601)
    service.login("target", "wrong", "198.51.100.2")
    service.login("target", "wrong", "198.51.100.2")
    assert service.login("target", GOOD, "10.1.1.1", device=cookie).status == 429  # an old cookie is a stranger


class _CountingStore:
    """Delegates to a store and records the name of every store method called."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr) or name == "now":
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return attr(*args, **kwargs)

        return call


def test_reserve_and_release_are_one_store_call_each(passwords: Passwords, store: Store, clock: FakeClock) -> None:
    from apishield.ratelimit.penalties import PenaltyBox

    counting = _CountingStore(store)
    box = PenaltyBox(counting, violations=100)  # type: ignore[arg-type]
    throttle = LoginThrottle(counting, max_attempts=2, device_secret=DEVICE_SECRET, penalties=box,  # type: ignore[arg-type]
                             clock=clock)
    cookie = throttle.issue_device("target")
    for device in (None, cookie):
        counting.calls.clear()
        res = throttle.reserve("target", "192.0.2.1", device)
        assert res.allowed and counting.calls == ["add_counters"]
        throttle.release(res)
        assert counting.calls == ["add_counters", "add_counters"]
    for _ in range(2):
        throttle.reserve("target", "192.0.2.1")
    counting.calls.clear()
    locked = throttle.reserve("target", "192.0.2.1")  # refused: the Retry-After comes with the same answer
    assert not locked.allowed and locked.reasons == ["account"] and counting.calls == ["add_counters"]


def test_a_banned_client_is_refused_in_the_same_call_and_consumes_nothing(passwords: Passwords, store: Store,
                                                                         clock: FakeClock) -> None:
    from apishield.ratelimit.penalties import PenaltyBox

    box = PenaltyBox(store, violations=1)
    throttle = LoginThrottle(store, max_attempts=3, penalties=box, clock=clock)
    service = LoginService(passwords, throttle, _users(passwords).get)
    assert service.login("target", "wrong", "198.51.100.4").status == 401  # one violation: banned
    banned = throttle.reserve("target", "198.51.100.4")
    assert not banned.allowed and banned.reasons == ["banned"] and banned.retry_after == pytest.approx(60)
    for _ in range(5):
        assert service.login("target", "wrong", "198.51.100.4").status == 429
    assert service.login("target", GOOD, "203.0.113.8").ok  # the banned guesses did not count for the account


def test_refused_attempts_do_not_fill_the_site_wide_counter(passwords: Passwords, store: Store,
                                                            clock: FakeClock) -> None:
    """Hammering one locked account from many addresses must not lock everybody out."""
    throttle = LoginThrottle(store, max_attempts=2, ip_max_attempts=1000, global_max_attempts=10, clock=clock)
    service = LoginService(passwords, throttle, _users(passwords).get)
    statuses = [service.login("target", "wrong", f"198.51.100.{i}").status for i in range(50)]
    assert statuses == [401, 401] + [429] * 48
    assert service.login("other", GOOD, "203.0.113.9").ok


def test_an_empty_namespace_is_refused(store: Store) -> None:
    with pytest.raises(ConfigError, match="namespace"):
        LoginThrottle(store, namespace="")


@pytest.mark.redis
def test_parallel_guesses_get_exactly_the_budget_on_a_redis_cluster(clock: FakeClock) -> None:
    """Every counter of the throttle shares one hash tag, so the cluster decides them in one script."""
    from apishield.stores import from_url

    from ..stores.conftest import service_url

    cluster = from_url(service_url("cluster"))
    slow = SlowPasswords()
    users = _users(slow)
    service = LoginService(slow, LoginThrottle(cluster, max_attempts=5, namespace=f"c{time.monotonic_ns()}",
                                               clock=clock), users.get)
    outcomes: list[int] = []
    threads = [threading.Thread(target=lambda i=i: outcomes.append(service.login("target", f"g{i}",
                                                                                 f"198.51.100.{i}").status))
               for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cluster.close()
    assert slow.checks == 5 and outcomes.count(401) == 5 and outcomes.count(429) == 25
