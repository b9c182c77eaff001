"""Auth fixtures: a settable clock and the state store behind every backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from apishield.stores import from_url
from apishield.stores.base import Store
from tests._clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_900_000_000.0)


@pytest.fixture
def store(clock: FakeClock) -> Iterator[Store]:
    """A memory store on the fake clock (fast, exact TTLs)."""
    s = from_url("memory://", clock=clock)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(params=["memory", "sqlite", "redis"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    """Every backend; Redis keeps server time, so tests on it only rely on durations, not the fake clock."""
    if request.param == "redis":
        s = from_url(request.getfixturevalue("redis_url"))  # never flushed: other suites share it; keys are random
    elif request.param == "sqlite":
        s = from_url(f"sqlite:///{tmp_path / 'auth.db'}", clock=clock)
    else:
        s = from_url("memory://", clock=clock)
    try:
        yield s
    finally:
        s.close()
