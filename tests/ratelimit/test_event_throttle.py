"""The event throttle: refusals per client network, faults per kind, bounded memory."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from apishield import events
from apishield.ratelimit.guard import EventThrottle
from tests._clock import FakeClock


@pytest.fixture
def emitted(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def emit(event: str, level: int = logging.WARNING, **fields: Any) -> None:
        seen.append({"event": event, **fields})

    monkeypatch.setattr(events, "emit", emit)
    return seen


def test_faults_make_one_line_per_kind_whatever_the_client(emitted: list[dict[str, Any]]) -> None:
    throttle = EventThrottle(clock=FakeClock())
    for n in range(100):
        throttle.emit("ratelimit.store_error", level=logging.ERROR, client_ip=f"10.0.0.{n}")
    assert len(emitted) == 1


def test_each_client_gets_its_own_line_and_its_own_count(emitted: list[dict[str, Any]]) -> None:
    clock = FakeClock()
    throttle = EventThrottle(clock=clock)
    for _ in range(5):
        throttle.emit("auth.failure", client_ip="10.0.0.1")
        throttle.emit("auth.failure", client_ip="10.0.0.2")
    assert [e["client_ip"] for e in emitted] == ["10.0.0.1", "10.0.0.2"]
    clock.advance(11)
    throttle.emit("auth.failure", client_ip="10.0.0.2")
    assert emitted[-1]["client_ip"] == "10.0.0.2" and emitted[-1]["suppressed"] == 4


def test_clients_over_the_allowance_share_one_line_and_room_comes_back(emitted: list[dict[str, Any]]) -> None:
    clock = FakeClock()
    throttle = EventThrottle(clock=clock, clients=4)
    for n in range(10):
        throttle.emit("auth.missing", client_ip=f"10.0.0.{n}")
    assert len(emitted) == 5  # four clients, then the shared line
    clock.advance(11)
    throttle.emit("auth.missing", client_ip="10.0.0.200")  # the old lines are over: a line of its own
    assert len(emitted) == 6 and len(throttle._next["auth.missing"]) <= 4


def test_memory_stays_bounded_under_a_spray(emitted: list[dict[str, Any]]) -> None:
    clock = FakeClock()
    throttle = EventThrottle(clock=clock, clients=8)
    for n in range(5000):
        throttle.emit("ratelimit.denied", client_ip=f"10.{n // 65536}.{n // 256 % 256}.{n % 256}")
        if n % 500 == 0:
            clock.advance(3)
    assert len(throttle._next["ratelimit.denied"]) <= 9
    assert len(throttle._held) <= 9
