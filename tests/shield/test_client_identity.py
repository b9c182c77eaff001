"""The shield's rate limits count the library's one client identity: IPv6 by /64, IPv4-mapped as IPv4,
under the same store keys as :class:`RateLimitGuard`."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apishield.ratelimit.guard import RateLimitGuard
from apishield.ratelimit.keys import client_ip
from apishield.ratelimit.limiter import RateLimiter
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.shield import PUBLIC, Shield
from tests._clock import FakeClock


def view(ip: str, path: str = "/x") -> RequestView:
    return RequestView(method="GET", path=path, headers=CaseInsensitiveHeaders({"host": "api.example.com"}),
                       client_ip=ip, scheme="https")


@pytest.fixture
def shield() -> Shield:
    return Shield(default_limits=["3/minute"], clock=FakeClock(1_000_000.0))


def statuses(shield: Shield, ips: list[str]) -> list[int]:
    return [shield.process(view(ip), PUBLIC).status for ip in ips]


def test_ipv6_clients_rotating_inside_their_64_share_one_budget(shield: Shield) -> None:
    rotating = [f"2001:db8:1:2::{n:x}" for n in range(1, 6)]
    assert statuses(shield, rotating) == [200, 200, 200, 429, 429]


def test_another_ipv6_64_has_its_own_budget(shield: Shield) -> None:
    statuses(shield, [f"2001:db8:1:2::{n}" for n in range(1, 4)])
    assert statuses(shield, ["2001:db8:1:3::1", "2001:db8:1:3::2"]) == [200, 200]


def test_ipv4_mapped_addresses_count_as_their_ipv4_address(shield: Shield) -> None:
    assert statuses(shield, ["198.51.100.7", "::ffff:198.51.100.7", "198.51.100.7", "::ffff:c633:6407"]) == [
        200, 200, 200, 429,
    ]


def test_distinct_ipv4_clients_keep_distinct_budgets(shield: Shield) -> None:
    assert statuses(shield, ["10.0.0.1"] * 3 + ["10.0.0.2"] * 3) == [200] * 6


def test_shield_and_rate_limit_guard_count_under_one_key_on_one_store(shield: Shield) -> None:
    guard = RateLimitGuard(RateLimiter(shield.store), "3/minute")
    assert statuses(shield, ["203.0.113.9", "::ffff:203.0.113.9"]) == [200, 200]
    last = guard.check(view("203.0.113.9"))
    assert 'r=0' in last.headers["RateLimit"]  # the guard saw the shield's two hits
    assert statuses(shield, ["203.0.113.9"]) == [429]


@given(st.ip_addresses(v=6), st.integers(min_value=0, max_value=2**64 - 1))
def test_every_address_of_a_64_is_one_client(address: ipaddress.IPv6Address, host: int) -> None:
    if address.ipv4_mapped is not None:
        return
    sibling = ipaddress.IPv6Address((int(address) >> 64 << 64) | host)
    assert client_ip(view(str(address))) == client_ip(view(str(sibling)))
    neighbour = ipaddress.IPv6Address(((int(address) >> 64) ^ 1) << 64 | host)
    if neighbour.ipv4_mapped is None:
        assert client_ip(view(str(address))) != client_ip(view(str(neighbour)))


@given(st.ip_addresses(v=4))
def test_ipv4_mapped_is_the_ipv4_client(address: ipaddress.IPv4Address) -> None:
    assert client_ip(view(f"::ffff:{address}")) == client_ip(view(str(address))) == f"ip:{address}"
