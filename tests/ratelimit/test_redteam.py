"""Red-team regressions for the limit grammar and the limiter: hostile or absurd values fail as ConfigError
or are decided sanely, never with a stray ValueError/OverflowError."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apishield.errors import ConfigError
from apishield.ratelimit import Limit, RateLimiter, parse_limits
from apishield.stores import from_url

BAD = [
    "5/second burst \u00b2",  # str.isdigit() is true for superscripts; int() is not
    "5/second burst \u0661",  # Arabic-Indic digit
    "1" * 5000 + "/second",  # more digits than int() converts
    "5/second burst " + "9" * 5000,
    "5/" + "1" * 400 + " seconds",  # the window overflows to infinity
    "99999999999999999999999/second",  # beyond exact float range: Redis answered a negative remaining
    "5/second burst 99999999999999999999",
    "1/1000000000 weeks",
]


@pytest.mark.parametrize("text", BAD)
def test_absurd_limit_strings_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_limits(text)


@pytest.mark.parametrize("kwargs", [{"amount": 10**16, "window": 1.0}, {"amount": 5, "window": float("inf")},
                                    {"amount": 5, "window": float("nan")},
                                    {"amount": 5, "window": 1.0, "burst": 10**16, "strategy": "gcra"}])
def test_absurd_limit_objects_are_config_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        Limit(**kwargs)  # type: ignore[arg-type]


def test_large_sane_limits_still_parse() -> None:
    (limit,) = parse_limits("1000000000/day burst 1000000000")
    assert (limit.amount, limit.burst) == (10**9, 10**9)
    assert parse_limits("1/52 weeks")[0].window == 52 * 604800.0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_parses_or_is_a_config_error(text: str) -> None:
    try:
        parse_limits(text)
    except ConfigError:
        pass


@pytest.mark.parametrize("strategy", ["fixed-window", "sliding-window", "token-bucket", "gcra"])
@pytest.mark.parametrize("cost", [2**63, 10**400], ids=["2**63", "10**400"])
def test_huge_cost_is_denied_not_an_overflow(strategy: str, cost: int) -> None:
    limiter = RateLimiter(from_url("memory://"))
    decision = limiter.hit("k", f"5/second {strategy}", cost)
    assert not decision.allowed
    assert limiter.hit("k", f"5/second {strategy}", 5).allowed  # the denied hit consumed nothing
