"""An attack does not flood the logs: 429s and failed credentials are logged at most once per interval per
kind of event and client, a spray of addresses shares one line beyond a bounded number of clients, and the
next line carries the count of the ones held back."""

from __future__ import annotations

import json
import logging

import pytest

from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.shield import PUBLIC, Shield
from tests._clock import FakeClock

JWT_KEY = "event-volume-secret-" + "e" * 40


def view(ip: str = "10.3.3.3", **headers: str) -> RequestView:
    hdrs = CaseInsensitiveHeaders({"host": "api.example.com", **headers})
    return RequestView(method="GET", path="/x", headers=hdrs, client_ip=ip, scheme="https")


def lines(caplog: pytest.LogCaptureFixture, event: str) -> list[dict[str, object]]:
    found = [json.loads(r.getMessage()) for r in caplog.records if r.name == "apishield.security"]
    return [f for f in found if f["event"] == event]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_000_000.0)


@pytest.fixture
def shield(clock: FakeClock) -> Shield:
    return Shield(jwt_secret=JWT_KEY, default_limits=["5/hour"], penalties={"enabled": False}, clock=clock)


def roomy(clock: FakeClock) -> Shield:
    """A shield whose rate limit one client does not reach in these tests."""
    return Shield(jwt_secret=JWT_KEY, default_limits=["1000/hour"], penalties={"enabled": False}, clock=clock)


def test_many_429s_make_one_line_per_interval_with_a_count(
    shield: Shield, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="apishield.security")
    statuses = [shield.process(view(), PUBLIC).status for _ in range(205)]
    assert statuses.count(429) == 200
    assert len(lines(caplog, "ratelimit.denied")) == 1
    clock.advance(11)
    assert shield.process(view(), PUBLIC).status == 429
    logged = lines(caplog, "ratelimit.denied")
    assert len(logged) == 2 and logged[-1]["suppressed"] == 199


@pytest.mark.parametrize(
    ("headers", "event"),
    [({"authorization": "Bearer not-a-token"}, "auth.failure"), ({}, "auth.missing")],
    ids=["invalid token", "no credentials"],
)
def test_many_failed_credentials_make_one_line_per_interval_with_a_count(
    clock: FakeClock, caplog: pytest.LogCaptureFixture, headers: dict[str, str], event: str
) -> None:
    caplog.set_level(logging.INFO, logger="apishield.security")
    shield = roomy(clock)
    for _ in range(100):
        assert shield.process(view(**headers)).status == 401
    assert len(lines(caplog, event)) == 1
    clock.advance(11)
    assert shield.process(view(**headers)).status == 401
    logged = lines(caplog, event)
    assert len(logged) == 2 and logged[-1]["suppressed"] == 99


@pytest.mark.parametrize(
    ("headers", "event"),
    [({"authorization": "Bearer not-a-token"}, "auth.failure"), ({}, "auth.missing")],
    ids=["invalid token", "no credentials"],
)
def test_a_spray_of_addresses_makes_a_bounded_number_of_lines(
    shield: Shield, caplog: pytest.LogCaptureFixture, headers: dict[str, str], event: str
) -> None:
    caplog.set_level(logging.INFO, logger="apishield.security")
    for n in range(300):
        assert shield.process(view(ip=f"10.3.{n // 250}.{n % 250}", **headers)).status == 401
    logged = lines(caplog, event)
    clients = {line["client_ip"] for line in logged}
    assert len(logged) == len(clients) == 33  # 32 clients with lines of their own, then one shared line


def test_a_noisy_client_does_not_hide_another_clients_line(
    shield: Shield, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="apishield.security")
    for _ in range(50):
        shield.process(view(ip="10.9.9.9", authorization="Bearer not-a-token"))
    assert shield.process(view(ip="10.8.8.8", authorization="Bearer not-a-token")).status == 401
    assert [line["client_ip"] for line in lines(caplog, "auth.failure")] == ["10.9.9.9", "10.8.8.8"]


def test_addresses_of_one_ipv6_network_share_a_line(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="apishield.security")
    shield = roomy(clock)
    for n in range(40):
        assert shield.process(view(ip=f"2001:db8:1:2::{n + 1:x}", authorization="Bearer x")).status == 401
    assert len(lines(caplog, "auth.failure")) == 1


def test_a_rare_failure_is_still_logged_at_once(shield: Shield, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="apishield.security")
    assert shield.process(view(authorization="Bearer not-a-token")).status == 401
    (line,) = lines(caplog, "auth.failure")
    assert line["client_ip"] == "10.3.3.3" and line["suppressed"] == 0
