"""Development detected from the framework's debug switch (``FLASK_DEBUG=1``, ``app.debug``, ``FastAPI(debug=
True)``) when no mode is chosen anywhere: announced with one loud warning; any chosen mode wins."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import FastAPI
from flask import Flask

from apishield.integrations.fastapi import Shield as FastAPIShield
from apishield.integrations.flask import Shield


def loud(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "DEVELOPMENT MODE" in r.getMessage()]


def flask_app(debug: bool, **config: Any) -> Flask:
    app = Flask("devdetect")
    app.debug = debug
    app.config.update(config)
    return app


def shielded(app: Flask, **settings: Any) -> Shield:
    shield = Shield(app, **settings)

    @app.get("/health")
    @shield.public
    def health() -> dict[str, bool]:
        return {"ok": True}

    return shield


def test_flask_debug_without_a_mode_is_development(caplog: pytest.LogCaptureFixture) -> None:
    app = flask_app(debug=True)
    with caplog.at_level(logging.WARNING, logger="apishield"):
        shield = shielded(app)
    assert shield.config.mode == "development"
    assert len(loud(caplog)) == 1 and "APISHIELD_MODE=production" in loud(caplog)[0]
    assert app.test_client().get("/health").status_code == 200  # no redirect to https on localhost


def test_flask_debug_env_is_named(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = Flask("from_env")  # Flask reads FLASK_DEBUG when the app is made
    with caplog.at_level(logging.WARNING, logger="apishield"):
        shield = shielded(app)
    assert shield.config.mode == "development"
    assert "FLASK_DEBUG=1" in loud(caplog)[0]


@pytest.mark.parametrize(
    ("settings", "config", "env"),
    [
        ({"mode": "production"}, {}, None),
        ({}, {"APISHIELD_MODE": "production"}, None),
        ({}, {}, "production"),
        ({"config": {"mode": "production"}}, {}, None),
    ],
)
def test_a_chosen_mode_wins_over_debug(
    settings: dict[str, Any],
    config: dict[str, Any],
    env: str | None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if env:
        monkeypatch.setenv("APISHIELD_MODE", env)
    with caplog.at_level(logging.WARNING, logger="apishield"):
        shield = shielded(flask_app(debug=True, **config), **settings)
    assert shield.config.mode == "production"
    assert loud(caplog) == []


def test_no_debug_stays_production(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="apishield"):
        shield = shielded(flask_app(debug=False))
    assert shield.config.mode == "production" and loud(caplog) == []


@pytest.mark.parametrize("debug", [True, False])
def test_fastapi_debug_without_a_mode(debug: bool, caplog: pytest.LogCaptureFixture) -> None:
    shield = FastAPIShield()
    with caplog.at_level(logging.WARNING, logger="apishield"):
        shield.init_app(FastAPI(debug=debug))
    assert shield.config.mode == ("development" if debug else "production")
    assert len(loud(caplog)) == (1 if debug else 0)
