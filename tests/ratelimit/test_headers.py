"""RateLimit-Policy / RateLimit per draft-ietf-httpapi-ratelimit-headers-11, parsed back as Structured Fields."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from apishield.ratelimit import Limit, RateLimiter
from apishield.ratelimit.headers import sf_string
from apishield.stores import MemoryStore

from ._helpers import FakeClock

# an SF List of Items whose bare item is a String, with integer parameters
ITEM = re.compile(r'"((?:[^"\\]|\\["\\])*)"((?:;[a-z][a-z0-9_\-.*]*=-?[0-9]+)*)')


def parse_sf_list(value: str) -> list[tuple[str, dict[str, int]]]:
    items = []
    for member in value.split(", "):
        m = ITEM.fullmatch(member)
        assert m, f"not an SF item: {member!r}"
        params = dict(p.split("=") for p in m.group(2).split(";")[1:])
        items.append((m.group(1), {k: int(v) for k, v in params.items()}))
    return items


def test_policy_and_remaining_for_several_limits() -> None:
    clock = FakeClock(6000.0)
    limiter = RateLimiter(MemoryStore(clock=clock))
    d = limiter.hit("k", "burst: 10/second fixed; 1000/day fixed")
    policy = parse_sf_list(d.headers()["RateLimit-Policy"])
    assert policy == [("burst", {"q": 10, "w": 1}), ("1000-per-day", {"q": 1000, "w": 86400})]
    state = parse_sf_list(d.headers()["RateLimit"])
    assert state[0] == ("burst", {"r": 9, "t": 1})
    assert state[1][0] == "1000-per-day" and state[1][1]["r"] == 999
    assert "Retry-After" not in d.headers()


def test_retry_after_only_when_denied_and_rounded_up() -> None:
    clock = FakeClock(6000.0)
    limiter = RateLimiter(MemoryStore(clock=clock))
    limiter.hit("k", "1/minute fixed")
    clock.advance(0.5)
    d = limiter.hit("k", "1/minute fixed")
    assert not d.allowed
    assert d.headers()["Retry-After"] == "60"  # 59.5 s rounded up: a client waiting that long is not early
    assert parse_sf_list(d.headers()["RateLimit"])[0][1]["r"] == 0


def test_legacy_headers_describe_the_tightest_limit() -> None:
    limiter = RateLimiter(MemoryStore(clock=FakeClock(6000.0)))
    d = limiter.hit("k", "3/second fixed; 100/minute fixed")
    legacy = d.headers(legacy=True)
    assert (legacy["X-RateLimit-Limit"], legacy["X-RateLimit-Remaining"], legacy["X-RateLimit-Reset"]) == (
        "3",
        "2",
        "1",
    )
    assert "X-RateLimit-Limit" not in d.headers()


@given(st.text(max_size=30))
def test_policy_names_always_form_valid_sf_strings(name: str) -> None:
    encoded = sf_string(name)
    assert re.fullmatch(r'"(?:[\x20-\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"', encoded)


def test_scaled_quota_is_announced() -> None:
    limit = Limit(100, 60.0)
    limiter = RateLimiter(MemoryStore(clock=FakeClock()))
    d = limiter.hit("k", [limit.scaled(0.5)])
    assert parse_sf_list(d.headers()["RateLimit-Policy"]) == [("100-per-minute", {"q": 50, "w": 60})]
