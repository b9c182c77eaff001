"""After a plain ``pip install apishield`` the demo names the extra it needs instead of failing later."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from apishield.cli import main
from apishield.demo import cli as demo_cli


def _without(monkeypatch: pytest.MonkeyPatch, *absent: str) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name in absent else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_plain_install_is_told_to_install_the_all_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    _without(monkeypatch, "flask", "cherrypy", "bottle", "gunicorn", "sqlalchemy")
    assert main(["demo", "--out", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "flask, gunicorn, cherrypy, bottle, sqlalchemy (not installed)" in err
    assert "pip install 'apishield[all]'" in err
    assert not any(tmp_path.iterdir()), "nothing was started or written"


def test_one_app_names_only_its_extras(monkeypatch: pytest.MonkeyPatch) -> None:
    _without(monkeypatch, "cherrypy", "gunicorn")
    assert demo_cli.missing_requirements(("cherrypy-twin",), skip_probe=False) == ["cherrypy"]
    assert demo_cli.missing_requirements(("bottle-twin",), skip_probe=False) == ["gunicorn"]


def test_auditing_alone_needs_no_framework(monkeypatch: pytest.MonkeyPatch) -> None:
    _without(monkeypatch, "flask", "cherrypy", "bottle", "gunicorn", "sqlalchemy")
    assert demo_cli.missing_requirements((), skip_probe=True) == []


def test_full_install_misses_nothing() -> None:
    assert demo_cli.missing_requirements((), skip_probe=False) == []
