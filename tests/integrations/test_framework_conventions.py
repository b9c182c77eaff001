"""Framework conventions: Flask ``app.config["APISHIELD_*"]``, the ``APISHIELD_ENABLED`` test switch, the app's own
error handlers kept, and a warning when another extension (or FastAPI middleware) does a job the shield
does on the same app."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask, g

from apishield.errors import ConfigError
from apishield.integrations.flask import Shield
from tests.integrations.test_shield import Tokens, User

TOKENS = Tokens({"user": User("uma", frozenset({"tasks:read"}))})


def app_with(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(config)

    @app.get("/private")
    def private() -> Any:
        return {"who": getattr(g.principal, "subject", None)}

    return app


def test_app_config_keys_configure_the_shield() -> None:
    app = app_with(APISHIELD_MODE="development", APISHIELD_DEFAULT_LIMITS=["2/minute"])
    shield = Shield(app, authenticators=[TOKENS])
    assert shield.config.mode == "development"
    client = app.test_client()
    headers = {"Authorization": "Bearer user"}
    assert [client.get("/private", headers=headers).status_code for _ in range(3)] == [200, 200, 429]


def test_constructor_arguments_win_over_app_config() -> None:
    app = app_with(APISHIELD_MODE="development", APISHIELD_DEFAULT_LIMITS=["2/minute"])
    shield = Shield(app, authenticators=[TOKENS], default_limits=["5/minute"])
    assert shield.config.mode == "development"
    client = app.test_client()
    codes = [client.get("/private", headers={"Authorization": "Bearer user"}).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_one_shield_refuses_a_second_app_with_other_settings() -> None:
    shield = Shield(authenticators=[TOKENS])
    shield.init_app(app_with(APISHIELD_MODE="development"))
    shield.init_app(app_with(APISHIELD_MODE="development"))  # the same settings: fine
    with pytest.raises(ConfigError, match="one Shield per configuration"):
        shield.init_app(app_with(APISHIELD_MODE="production"))


def test_apishield_enabled_false_leaves_the_app_unshielded(caplog: pytest.LogCaptureFixture) -> None:
    app = app_with(APISHIELD_ENABLED=False, APISHIELD_MODE="development")
    with caplog.at_level(logging.WARNING, logger="apishield"):
        Shield(app, authenticators=[TOKENS])
    answer = app.test_client().get("/private")
    assert answer.status_code == 200
    assert answer.get_json() == {"who": None}
    assert "X-Content-Type-Options" not in answer.headers
    assert any("APISHIELD_ENABLED" in r.getMessage() for r in caplog.records)


def test_the_apps_own_error_handlers_are_kept() -> None:
    from werkzeug.exceptions import HTTPException

    app = app_with(APISHIELD_MODE="development")

    @app.errorhandler(HTTPException)
    def own(exc: HTTPException) -> Any:
        return {"error": exc.name, "format": "the app's own"}, exc.code or 500

    Shield(app, authenticators=[TOKENS])
    client = app.test_client()
    missing = client.get("/nowhere", headers={"Authorization": "Bearer user"})
    assert missing.status_code == 404 and missing.get_json()["format"] == "the app's own"
    refused = client.get("/private")  # the shield's own refusal stays problem+json
    assert refused.status_code == 401 and refused.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("extension", ["flask_cors", "flask_talisman", "flask_limiter"])
def test_overlapping_extension_is_warned_about(extension: str, caplog: pytest.LogCaptureFixture) -> None:
    app = app_with(APISHIELD_MODE="development")
    if extension == "flask_cors":
        from flask_cors import CORS

        CORS(app, supports_credentials=True)
    elif extension == "flask_talisman":
        from flask_talisman import Talisman

        Talisman(app, force_https=False)
    else:
        from flask_limiter import Limiter
        from flask_limiter.util import get_remote_address

        Limiter(get_remote_address, app=app, storage_uri="memory://")
    with caplog.at_level(logging.WARNING, logger="apishield"):
        Shield(app, authenticators=[TOKENS])
    assert any(extension.replace("_", "-").lower() in r.getMessage().lower() for r in caplog.records), extension


def test_no_warning_without_overlapping_extensions(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="apishield"):
        Shield(app_with(APISHIELD_MODE="development"), authenticators=[TOKENS])
    assert not [r for r in caplog.records if "also uses" in r.getMessage()]


@pytest.mark.parametrize("middleware", ["cors", "slowapi"])
def test_fastapi_overlapping_middleware_is_warned_about(middleware: str, caplog: pytest.LogCaptureFixture) -> None:
    from fastapi import FastAPI

    from apishield.integrations.fastapi import Shield as FastAPIShield

    app = FastAPI()
    if middleware == "cors":
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])
    else:
        from slowapi import Limiter
        from slowapi.util import get_remote_address

        app.state.limiter = Limiter(key_func=get_remote_address)
    with caplog.at_level(logging.WARNING, logger="apishield"):
        FastAPIShield(authenticators=[TOKENS], mode="development").init_app(app)
    wanted = "corsmiddleware" if middleware == "cors" else "slowapi"
    assert any(wanted in r.getMessage().lower() for r in caplog.records)


def test_per_feature_switch_from_app_config() -> None:
    """``APISHIELD_RATE_LIMIT_ENABLED = False`` (any ``APISHIELD_<SECTION>_<FIELD>``) switches one part off."""
    app = app_with(APISHIELD_MODE="development", APISHIELD_DEFAULT_LIMITS=["1/minute"],
                   APISHIELD_RATE_LIMIT_ENABLED=False)
    Shield(app, authenticators=[TOKENS])
    client = app.test_client()
    codes = [client.get("/private", headers={"Authorization": "Bearer user"}).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
