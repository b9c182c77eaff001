"""Store fixtures: every backend behind one parametrized fixture, with a settable clock where possible."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from apishield.stores import from_url
from apishield.stores.base import Store

from ..ratelimit._helpers import FakeClock


@pytest.fixture(params=["memory", "sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, FakeClock | None, str]]:
    """(store, clock or None when the backend keeps its own time, unique key prefix)."""
    prefix = f"t{uuid.uuid4().hex[:12]}:"
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        store = from_url(url)
        yield store, None, prefix
    else:
        clock = FakeClock()
        url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'store.db'}"
        store = from_url(url, clock=clock)
        yield store, clock, prefix
    store.close()
