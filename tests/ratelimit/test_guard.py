"""RateLimitGuard: keys, costs, penalties, allow/deny lists, store failures, adaptive limits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from apishield import events
from apishield.errors import ConfigError, Reject, StoreError
from apishield.guard import Allow, Guard
from apishield.ratelimit import (
    AdaptiveLimits,
    InFlightSignal,
    Limit,
    LimitState,
    PenaltyBox,
    RateLimiter,
    RateLimitGuard,
    keys,
)
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.stores import MemoryStore
from tests._guards import decide

from ._helpers import FakeClock


def req(
    ip: str = "198.51.100.4", path: str = "/items", headers: dict[str, str] | None = None, **kw: Any
) -> RequestView:
    return RequestView(method="GET", path=path, client_ip=ip, headers=CaseInsensitiveHeaders(headers or {}), **kw)


@pytest.fixture
def captured() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    seen: list[tuple[str, dict[str, Any]]] = []
    remove = events.add_listener(lambda name, fields: seen.append((name, fields)))
    yield seen
    remove()


def make(limits: str = "2/minute fixed", **kw: Any) -> tuple[RateLimitGuard, FakeClock, MemoryStore]:
    clock = FakeClock(6000.0)
    store = MemoryStore(clock=clock)
    return RateLimitGuard(RateLimiter(store), limits, clock=clock, **kw), clock, store


def test_is_a_guard_with_headers_on_allow_and_429_with_retry_after() -> None:
    guard, _, _ = make()
    assert isinstance(guard, Guard)
    first = decide(guard.check, req())
    assert isinstance(first, Allow) and first.headers["RateLimit"] == '"2-per-minute";r=1;t=60'
    assert "Retry-After" not in first.headers
    decide(guard.check, req())
    denied = decide(guard.check, req())
    assert isinstance(denied, Reject) and denied.status == 429
    assert denied.headers["Retry-After"] == "60" and "RateLimit-Policy" in denied.headers
    assert denied.response_headers()["Content-Type"] == "application/problem+json"


def test_clients_are_keyed_by_resolved_ip_not_forwarded_headers() -> None:
    guard, _, _ = make("1/minute")
    spoof = {"X-Forwarded-For": "1.1.1.1"}
    assert isinstance(decide(guard.check, req(headers=spoof)), Allow)
    assert isinstance(decide(guard.check, req(headers={"X-Forwarded-For": "2.2.2.2"})), Reject)
    assert isinstance(decide(guard.check, req(ip="198.51.100.5")), Allow)


def test_ipv6_clients_are_grouped_by_64() -> None:
    assert keys.client_ip(req(ip="2001:db8:1:2::1")) == keys.client_ip(req(ip="2001:db8:1:2:ffff::9"))
    assert keys.client_ip(req(ip="2001:db8:1:2::1")) != keys.client_ip(req(ip="2001:db8:1:3::1"))
    assert keys.client_ip(req(ip="::ffff:192.0.2.1")) == "ip:192.0.2.1"


def test_api_key_and_user_keys_never_hold_the_secret() -> None:
    k = keys.api_key()(req(headers={"X-API-Key": "sk_live_secret"}))
    assert k.startswith("key:") and "secret" not in k
    assert keys.api_key()(req()) == keys.client_ip(req())
    bearer = keys.api_key()(req(headers={"Authorization": "Bearer tok123"}))
    assert bearer.startswith("key:") and "tok123" not in bearer

    class Principal:
        subject = "alice"

    assert keys.user(req(state={"principal": Principal()})).startswith("user:")
    assert keys.user(req()) == keys.client_ip(req())


def test_route_keys_and_string_key_names() -> None:
    guard, _, _ = make("1/minute", key_func="route")
    assert isinstance(decide(guard.check, req(ip="10.0.0.1")), Allow)
    assert isinstance(decide(guard.check, req(ip="10.0.0.2")), Reject)  # one budget for the route
    assert isinstance(decide(guard.check, req(ip="10.0.0.2", path="/other")), Allow)
    per, _, _ = make("1/minute", key_func=keys.per_route())
    assert isinstance(decide(per.check, req()), Allow) and isinstance(decide(per.check, req(path="/b")), Allow)
    with pytest.raises(ConfigError):
        make(key_func="nonsense")


def test_per_request_cost() -> None:
    guard, _, _ = make("10/minute fixed", cost=lambda v: 5 if v.path == "/export" else 1)
    assert isinstance(decide(guard.check, req(path="/export")), Allow)
    assert isinstance(decide(guard.check, req(path="/export")), Allow)
    assert isinstance(decide(guard.check, req()), Reject)


def test_penalties_ban_progressively_and_lists_apply(captured: list[tuple[str, dict[str, Any]]]) -> None:
    clock = FakeClock(6000.0)
    store = MemoryStore(clock=clock)
    box = PenaltyBox(
        store, violations=2, window=60, ban_durations=(60, 600), allow=["10.0.0.0/8"], deny=["192.0.2.0/24"]
    )
    guard = RateLimitGuard(RateLimiter(store), "1/minute fixed", penalties=box, clock=clock)
    assert isinstance(decide(guard.check, req()), Allow)
    assert isinstance(decide(guard.check, req()), Reject)  # violation 1
    banned = decide(guard.check, req())  # violation 2: banned for 60 s
    assert isinstance(banned, Reject) and int(banned.headers["Retry-After"]) >= 60
    assert any(name == "penalty.banned" for name, _ in captured)
    clock.advance(61)
    assert isinstance(decide(guard.check, req()), Allow)
    decide(guard.check, req())
    second = decide(guard.check, req())  # banned again: the next, longer duration
    assert isinstance(second, Reject) and int(second.headers["Retry-After"]) >= 600
    denied = decide(guard.check, req(ip="192.0.2.9"))
    assert isinstance(denied, Reject) and denied.status == 403
    assert all(isinstance(decide(guard.check, req(ip="10.1.2.3")), Allow) for _ in range(5))


def test_exempt_networks_are_never_banned_but_still_rate_limited() -> None:
    clock = FakeClock(6000.0)
    store = MemoryStore(clock=clock)
    box = PenaltyBox(store, violations=2, window=60, ban_durations=(60,), exempt=["127.0.0.0/8"])
    guard = RateLimitGuard(RateLimiter(store), "1/minute fixed", penalties=box, clock=clock)
    assert [box.record_violation(ip) for ip in ("127.0.0.1",) * 3] == [None, None, None]
    assert box.banned_for("127.0.0.1") is None
    assert isinstance(decide(guard.check, req(ip="127.0.0.1")), Allow)
    limited = decide(guard.check, req(ip="127.0.0.1"))  # the ordinary limit still applies
    assert isinstance(limited, Reject) and limited.status == 429
    assert [box.record_violation("203.0.113.5") for _ in range(2)] == [None, 60.0]  # others are banned
    assert box.banned_for("203.0.113.5") is not None
    with pytest.raises(ConfigError):
        PenaltyBox(MemoryStore(), exempt=["not-an-ip"])


def test_penalty_box_directly() -> None:
    clock = FakeClock()
    box = PenaltyBox(MemoryStore(clock=clock), violations=3, window=10, ban_durations=(5, 50))
    assert [box.record_violation("u") for _ in range(3)] == [None, None, 5.0]
    assert box.banned_for("u") == pytest.approx(5.0)
    clock.advance(5)
    assert box.banned_for("u") is None
    box.record_violation("u")
    clock.advance(11)  # violations outside the window are forgotten
    assert [box.record_violation("u") for _ in range(3)] == [None, None, 50.0]
    box.unban("u")
    assert box.banned_for("u") is None
    for bad in ({"violations": 0}, {"ban_durations": ()}, {"allow": ["not-an-ip"]}):
        with pytest.raises(ConfigError):
            PenaltyBox(MemoryStore(), **bad)  # type: ignore[arg-type]


class BrokenStore(MemoryStore):
    def hit(self, key: str, limits: Sequence[Limit], cost: int = 1) -> list[LimitState]:
        raise StoreError("connection refused")


@pytest.mark.parametrize(("policy", "status"), [("allow", None), ("deny", 503)])
def test_store_errors_follow_the_policy_and_log_once(
    policy: Any, status: int | None, captured: list[tuple[str, dict[str, Any]]]
) -> None:
    clock = FakeClock()
    guard = RateLimitGuard(RateLimiter(BrokenStore()), "1/minute", on_store_error=policy, clock=clock)
    answers = [decide(guard.check, req()) for _ in range(20)]
    if status is None:
        assert all(isinstance(a, Allow) for a in answers)
    else:
        assert all(isinstance(a, Reject) and a.status == status for a in answers)
    assert [n for n, _ in captured].count("ratelimit.store_error") == 1
    clock.advance(11)
    decide(guard.check, req())
    errors = [f for n, f in captured if n == "ratelimit.store_error"]
    assert len(errors) == 2 and errors[1]["suppressed"] == 19
    with pytest.raises(ConfigError):
        RateLimitGuard(RateLimiter(BrokenStore()), "1/minute", on_store_error="maybe")  # type: ignore[arg-type]


def test_adaptive_limits_scale_down_under_load_and_recover() -> None:
    signal = InFlightSignal(capacity=10)
    guard, _, _ = make("100/minute fixed", adaptive=AdaptiveLimits(signal, min_factor=0.25))
    normal = decide(guard.check, req(ip="10.9.9.1"))
    assert isinstance(normal, Allow) and "q=100" in normal.headers["RateLimit-Policy"]
    for _ in range(20):
        signal.enter()  # load 2.0 -> half the quota
    loaded = decide(guard.check, req(ip="10.9.9.1"))
    assert isinstance(loaded, Allow) and "q=50" in loaded.headers["RateLimit-Policy"]
    for _ in range(20):
        signal.leave()
    back = decide(guard.check, req(ip="10.9.9.1"))
    assert isinstance(back, Allow) and "q=100" in back.headers["RateLimit-Policy"]
    assert '"100-per-minute";r=97' in back.headers["RateLimit"]  # the scaled limit kept counting


def test_headers_can_be_turned_off_and_legacy_on() -> None:
    quiet, _, _ = make(headers=False)
    assert decide(quiet.check, req()).headers == {}  # type: ignore[union-attr]
    loud, _, _ = make(legacy_headers=True)
    assert "X-RateLimit-Remaining" in decide(loud.check, req()).headers  # type: ignore[union-attr]


def test_bans_are_shared_with_other_guards_by_client_address() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    box = PenaltyBox(store, violations=1, ban_durations=(30,))
    guard = RateLimitGuard(RateLimiter(store), "100/minute", key_func="api_key", penalties=box, clock=clock)
    box.record_violation("198.51.100.4")  # e.g. the auth guard saw an invalid API key from this address
    banned = decide(guard.check, req(headers={"X-API-Key": "k1"}))
    assert isinstance(banned, Reject) and banned.status == 429 and banned.headers["Retry-After"] == "30"
    assert isinstance(decide(guard.check, req(ip="198.51.100.5", headers={"X-API-Key": "k1"})), Allow)
    by_key = RateLimitGuard(RateLimiter(store), "1/minute", key_func="api_key", penalties=box, ban_by="key")
    assert isinstance(decide(by_key.check, req(ip="203.0.113.1", headers={"X-API-Key": "k2"})), Allow)
    # a violation: the key is banned
    assert isinstance(decide(by_key.check, req(ip="203.0.113.2", headers={"X-API-Key": "k2"})), Reject)
    assert box.banned_for(keys.api_key()(req(headers={"X-API-Key": "k2"}))) == pytest.approx(30)
    assert box.banned_for("203.0.113.2") is None


class _CountingStore(MemoryStore):
    """A memory store that counts the calls a guard makes per request."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def ttl(self, key: str) -> float | None:
        self.calls.append("ttl")
        return super().ttl(key)

    def hit(self, key: str, limits: Sequence[Limit], cost: int = 1) -> list[LimitState]:
        self.calls.append("hit")
        return super().hit(key, limits, cost)

    def hit_unless_banned(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append("hit_unless_banned")
        return super().hit_unless_banned(*args, **kwargs)


def test_ban_check_and_limits_are_one_store_call_per_admitted_request() -> None:
    store = _CountingStore()
    guard = RateLimitGuard(RateLimiter(store), "5/minute", penalties=PenaltyBox(store, violations=2, window=60))
    guard.check(req())
    assert store.calls == ["hit_unless_banned"]


def test_a_banned_client_is_refused_by_the_combined_call_without_consuming() -> None:
    store = _CountingStore()
    box = PenaltyBox(store, violations=1, window=60, ban_durations=(600,))
    guard = RateLimitGuard(RateLimiter(store), "1/minute", penalties=box)
    guard.check(req())
    with pytest.raises(Reject):
        guard.check(req())  # over the limit: one violation, which bans
    with pytest.raises(Reject) as refused:
        guard.check(req())
    assert refused.value.status == 429
    assert int(refused.value.headers["Retry-After"]) > 60


def test_a_ban_recorded_elsewhere_refuses_a_client_whose_keys_are_remembered() -> None:
    clock = FakeClock(6000.0)
    store = MemoryStore(clock=clock)
    box = PenaltyBox(store, violations=1, window=60, ban_durations=(60,))
    guard = RateLimitGuard(RateLimiter(store), "100/minute", penalties=box, clock=clock)
    client = "2001:db8:1:2::10"
    assert isinstance(decide(guard.check, req(ip=client)), Allow)  # its store keys are now remembered
    box.record_violation("2001:db8:1:2::99")  # e.g. invalid credentials, from another address of its /64
    refused = decide(guard.check, req(ip=client))
    assert isinstance(refused, Reject) and refused.status == 429
    assert isinstance(decide(guard.check, req(ip="2001:db8:1:3::10")), Allow)  # another /64: not banned


def test_addresses_of_one_client_share_one_budget_once_remembered() -> None:
    store = MemoryStore(clock=FakeClock(6000.0))
    guard = RateLimitGuard(RateLimiter(store), "2/minute fixed", penalties=PenaltyBox(store))
    for ip in ("203.0.113.5", "::ffff:203.0.113.5"):
        assert isinstance(decide(guard.check, req(ip=ip)), Allow)
    assert isinstance(decide(guard.check, req(ip="203.0.113.5")), Reject)
    assert isinstance(decide(guard.check, req(ip="::ffff:203.0.113.5")), Reject)
