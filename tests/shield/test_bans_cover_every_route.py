"""A client banned by the penalty box is refused on every route, public ones included, whether or not the
route has rate limits; other clients are not affected."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.shield import PUBLIC, RouteSettings, Shield
from apishield.stores import from_url
from tests._clock import FakeClock

JWT_KEY = "bans-test-secret-" + "b" * 40
BANNED = "10.9.9.9"
OTHER = "10.1.1.1"


@pytest.fixture(params=["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each backend has its own ban-and-limits call (a Lua script on Redis, one transaction on SQLite)."""
    if request.param == "redis":
        return str(request.getfixturevalue("redis_url"))
    return "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'state.db'}"


def test_a_banned_client_is_refused_on_public_routes_of_every_store(store_url: str) -> None:
    banned, other = (f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{n}" for n in (1, 2))
    shield = Shield(jwt_secret=JWT_KEY, store=from_url(store_url), penalties={"violations": 2, "ban_durations": [600]})
    for _ in range(2):
        assert shield.process(view(banned, authorization="Bearer not-a-token")).status == 401
    for route in ROUTES.values():
        assert shield.process(view(banned), route).status == 429
        assert shield.process(view(other), route).allowed


def view(ip: str, path: str = "/x", **headers: str) -> RequestView:
    hdrs = {"host": "api.example.com", **headers}
    return RequestView(method="GET", path=path, headers=CaseInsensitiveHeaders(hdrs), client_ip=ip, scheme="https")


def banned_shield(**rate_limit: Any) -> Shield:
    shield = Shield(jwt_secret=JWT_KEY, rate_limit={"default_limits": ["100/minute"], **rate_limit},
                    penalties={"violations": 2, "ban_durations": [600]}, clock=FakeClock(1_000_000.0))
    for _ in range(2):  # two invalid tokens: banned for 600 s
        assert shield.process(view(BANNED, authorization="Bearer not-a-token")).status == 401
    return shield


ROUTES = {
    "public, default limits": PUBLIC,
    "public, no limits": RouteSettings(public=True, limits=()),
    "public, own limits": RouteSettings(public=True, limits=("50/minute",)),
}


@pytest.mark.parametrize("route", ROUTES.values(), ids=ROUTES.keys())
def test_a_banned_client_gets_429_on_public_routes(route: RouteSettings) -> None:
    shield = banned_shield()
    refused = shield.process(view(BANNED), route)
    assert refused.status == 429
    assert int(dict(refused.headers)["Retry-After"]) > 500  # the ban's time left, not a window
    assert shield.process(view(OTHER), route).allowed


def test_a_banned_client_gets_429_when_rate_limiting_is_off() -> None:
    shield = banned_shield(enabled=False)
    assert shield.rate_limit is None
    assert shield.process(view(BANNED), PUBLIC).status == 429
    assert shield.process(view(OTHER), PUBLIC).allowed


def test_a_banned_client_gets_429_with_principal_keyed_limits() -> None:
    shield = banned_shield(key="principal")
    assert shield.process(view(BANNED), PUBLIC).status == 429
    assert shield.process(view(OTHER), PUBLIC).allowed


def test_bans_stay_off_when_the_penalty_box_is_disabled() -> None:
    shield = Shield(jwt_secret=JWT_KEY, penalties={"enabled": False}, clock=FakeClock(1_000_000.0))
    for _ in range(12):
        assert shield.process(view(BANNED, authorization="Bearer not-a-token")).status == 401
    assert shield.process(view(BANNED), PUBLIC).allowed
