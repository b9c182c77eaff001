"""The pytest plugin (``apishield.testing``, registered by the ``pytest11`` entry point): with
``apishield_fresh_stores = true`` a module-level shield's memory store does not carry rate limits from one test
into the next, data written by session fixtures is kept, and without the option nothing changes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from apishield.stores.memory import MemoryStore
from apishield.testing import fresh_stores

APP_TESTS = textwrap.dedent(
    """
    import pytest
    from flask import Flask

    from apishield.integrations.flask import Shield

    app = Flask("module_level")
    shield = Shield(app, mode="development")  # one module-level shield: one memory store for the session


    @app.get("/ping")
    @shield.public
    @shield.limit("2/minute")
    def ping():
        return {"ok": True}


    @pytest.fixture(scope="session")
    def seeded():
        shield.store.set("seeded-by-session-fixture", "yes")


    @pytest.mark.parametrize("n", range(3))
    def test_two_requests(n, seeded):
        client = app.test_client()
        assert [client.get("/ping").status_code for _ in range(2)] == [200, 200]
        assert shield.store.get("seeded-by-session-fixture") == "yes"
        assert shield.store.get("written-by-a-test") is None
        shield.store.set("written-by-a-test", str(n))
    """
)


def run_inner(tmp_path: Path, ini: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_app.py").write_text(APP_TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\n" + ini)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_plugin_is_registered_for_pytest() -> None:
    found = [e.value for e in entry_points(group="pytest11") if e.name == "apishield"]
    assert found == ["apishield.testing"]


def test_fresh_stores_option_gives_each_test_a_fresh_store(tmp_path: Path) -> None:
    result = run_inner(tmp_path, "apishield_fresh_stores = true\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_without_the_option_limits_leak_between_tests(tmp_path: Path) -> None:
    result = run_inner(tmp_path, "")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 failed, 1 passed" in result.stdout
    assert "429" in result.stdout


def test_fresh_stores_restores_old_stores_and_empties_new_ones() -> None:
    old = MemoryStore()
    old.set("kept", "1")
    old.incr("counter", 1)
    with fresh_stores():
        old.set("kept", "changed")
        old.incr("counter", 5)
        old.add_member("set", "x")
        new = MemoryStore()
        new.set("new", "1")
    assert old.get("kept") == "1" and old.incr("counter", 0) == 1
    assert old.members("set") == [] and len(new) == 0


@pytest.mark.usefixtures("apishield_fresh_stores")
def test_the_fixture_is_available() -> None:
    MemoryStore().set("x", "y")
