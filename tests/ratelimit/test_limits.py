"""The limit-string grammar: good strings parse to the right values, bad ones name the bad part."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apishield.errors import ConfigError
from apishield.ratelimit import Limit, parse_limits
from apishield.ratelimit.limits import STRATEGIES

GOOD = [
    ("100/minute", [(100, 60.0, None, "sliding_window")]),
    ("10/second; 1000/day", [(10, 1.0, None, "sliding_window"), (1000, 86400.0, None, "sliding_window")]),
    ("5/second burst 20", [(5, 1.0, 20, "gcra")]),
    ("5/second burst 20 token-bucket", [(5, 1.0, 20, "token_bucket")]),
    ("5 per second using gcra", [(5, 1.0, None, "gcra")]),
    ("1000 per 10 minutes", [(1000, 600.0, None, "sliding_window")]),
    ("3/5s fixed-window, 7/2h", [(3, 5.0, None, "fixed_window"), (7, 7200.0, None, "sliding_window")]),
    ("  2 / hour  ", [(2, 3600.0, None, "sliding_window")]),
    ("login: 5/minute fixed", [(5, 60.0, None, "fixed_window")]),
    ("1/week", [(1, 604800.0, None, "sliding_window")]),
]


@pytest.mark.parametrize(("text", "expected"), GOOD)
def test_good_strings(text: str, expected: list[tuple[int, float, int | None, str]]) -> None:
    got = [(lim.amount, lim.window, lim.burst, lim.strategy) for lim in parse_limits(text)]
    assert got == expected


def test_name_prefix_is_the_policy_name() -> None:
    (limit,) = parse_limits("login: 5/minute")
    assert limit.name == "login"
    assert parse_limits("5/minute")[0].name == "5-per-minute"


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("10/fortnight", "fortnight"),
        ("ten/second", "ten/second"),
        ("10/second; lots/day", "lots/day"),
        ("5/second burst", "burst"),
        ("5/second burst x", "burst"),
        ("5/minute fixed burst 3", "burst"),
        ("0/second", "0/second"),
        ("5/0 seconds", "5/0 seconds"),
        ("5/second sliding gcra", "strategy"),
        ("5/second please", "please"),
        ("", "empty"),
        ("5/second; 5/second", "twice"),
    ],
)
def test_bad_strings_name_the_bad_part(text: str, part: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_limits(text)
    assert part in str(info.value)


def test_parsing_is_cached() -> None:
    assert parse_limits("42/minute") is parse_limits("42/minute")


def test_limit_validates_its_own_fields() -> None:
    with pytest.raises(ConfigError):
        Limit(0, 1.0)
    with pytest.raises(ConfigError):
        Limit(1, 0.0)
    with pytest.raises(ConfigError):
        Limit(1, 1.0, burst=5, strategy="fixed_window")


def test_scaled_keeps_the_state_id() -> None:
    limit = parse_limits("100/minute")[0]
    half = limit.scaled(0.5)
    assert (half.amount, half.id, half.name) == (50, limit.id, limit.name)
    assert limit.scaled(1.0) is limit
    assert limit.scaled(0.001).amount == 1


@given(
    amount=st.integers(1, 10_000),
    count=st.integers(1, 500),
    unit=st.sampled_from(["second", "minute", "hour", "day"]),
    strategy=st.sampled_from(STRATEGIES),
    burst=st.one_of(st.none(), st.integers(1, 1000)),
)
def test_str_round_trips(amount: int, count: int, unit: str, strategy: str, burst: int | None) -> None:
    if burst is not None and strategy not in ("token_bucket", "gcra"):
        burst = None
    text = f"{amount}/{count} {unit}" + (f" burst {burst}" if burst else "") + " " + strategy.replace("_", "-")
    (limit,) = parse_limits(text)
    (again,) = parse_limits(str(limit))
    assert (again.amount, again.window, again.burst, again.strategy) == (
        limit.amount,
        limit.window,
        limit.burst,
        limit.strategy,
    )


@given(st.text(max_size=40))
def test_arbitrary_text_never_raises_anything_but_config_error(text: str) -> None:
    try:
        parse_limits(text)
    except ConfigError:
        pass
