"""pytest plugin: each test starts from fresh apishield memory stores.

A module-level ``shield = Shield(app)`` keeps one memory store for the whole test session, so rate limits,
bans and sessions counted in one test are still there in the next. Installed with apishield (the ``pytest11``
entry point), this plugin undoes, after each test, what the test wrote to every ``memory://`` store of the
process: stores that existed before the test are put back exactly as they were (data your session- or
module-scoped fixtures created is kept), stores opened during the test are emptied.

Switch it on for every test in the pytest configuration::

    [tool.pytest.ini_options]
    apishield_fresh_stores = true

or per test / per module with the fixture: ``@pytest.mark.usefixtures("apishield_fresh_stores")``.
Redis and SQLite stores are not touched (use ``store_url="memory://"`` in tests, or flush them yourself).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

INI_OPTION = "apishield_fresh_stores"
_EMPTY: tuple[dict[str, Any], ...] = ({}, {}, {}, {})


@contextlib.contextmanager
def fresh_stores() -> Iterator[None]:
    """Undo, on exit, what the block wrote to the process's memory stores (see the module docstring)."""
    from apishield.stores.memory import OPEN_STORES

    before = {store: store.snapshot() for store in list(OPEN_STORES)}
    try:
        yield
    finally:
        for store in list(OPEN_STORES):
            store.restore(before.get(store, _EMPTY))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        INI_OPTION,
        "undo after each test what it wrote to apishield memory:// stores (rate limits, bans, sessions)",
        type="bool",
        default=False,
    )


@pytest.fixture
def apishield_fresh_stores() -> Iterator[None]:
    """This test's writes to apishield memory stores are undone when it ends."""
    with fresh_stores():
        yield


@pytest.fixture(autouse=True)
def _apishield_fresh_stores_everywhere(request: pytest.FixtureRequest) -> Iterator[None]:
    if not request.config.getini(INI_OPTION):
        yield
        return
    with fresh_stores():
        yield


__all__ = ["INI_OPTION", "apishield_fresh_stores", "fresh_stores"]
