"""Flask: blueprint settings follow the blueprint wherever it is registered (nested, twice under another
name), and only Flask's own static-file views are public by default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint, Flask

from apishield.integrations.cli import collect
from apishield.integrations.flask import Shield
from tests.integrations.test_shield import Tokens, User

TOKENS = Tokens(
    {
        "user": User("uma", frozenset({"tasks:read"})),
        "admin": User("ada", frozenset({"tasks:read"}), frozenset({"admin"})),
    }
)
DEV = {"mode": "development", "default_limits": ["1000/minute"]}
USER = {"Authorization": "Bearer user"}
ADMIN = {"Authorization": "Bearer admin"}


def blueprint_app() -> Flask:
    app = Flask(__name__)
    shield = Shield(app, authenticators=[TOKENS], **DEV)
    admin = Blueprint("admin", __name__)

    @admin.get("/users")
    def users() -> Any:
        return {"ok": True}

    shield.blueprint(admin, roles=["admin"])
    api = Blueprint("api", __name__)
    api.register_blueprint(admin, url_prefix="/admin")  # nested: endpoint api.admin.users
    app.register_blueprint(api, url_prefix="/api")
    app.register_blueprint(admin, url_prefix="/v2/admin", name="admin_v2")  # the same blueprint, again
    app.register_blueprint(admin, url_prefix="/admin")
    return app


@pytest.mark.parametrize("path", ["/admin/users", "/api/admin/users", "/v2/admin/users"])
def test_blueprint_settings_hold_wherever_the_blueprint_is_registered(path: str) -> None:
    client = blueprint_app().test_client()
    assert client.get(path).status_code == 401
    assert client.get(path, headers=USER).status_code == 403
    assert client.get(path, headers=ADMIN).status_code == 200


def test_nested_and_renamed_blueprint_routes_are_listed_with_their_roles() -> None:
    listed = {(m, p): s.describe() for m, p, s in collect(blueprint_app()) if s is not None}
    for path in ("/admin/users", "/api/admin/users", "/v2/admin/users"):
        assert listed[("GET", path)] == "protected roles=admin", path


def static_app(tmp_path: Path) -> Flask:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "app.css").write_text("body{}")
    (tmp_path / "bp_static").mkdir()
    (tmp_path / "bp_static" / "bp.css").write_text("p{}")
    app = Flask(__name__, root_path=str(tmp_path))
    shield = Shield(app, authenticators=[TOKENS], **DEV)
    assets = Blueprint("assets", __name__, static_folder=str(tmp_path / "bp_static"), static_url_path="/files")
    app.register_blueprint(assets, url_prefix="/assets")
    other = Blueprint("x", __name__)

    @other.get("/report", endpoint="static")  # named like a static route, but it is not one
    @shield.require(roles=["admin"])
    def report() -> Any:
        return {"secret": True}

    app.register_blueprint(other, url_prefix="/x")
    return app


def test_flask_static_views_are_public(tmp_path: Path) -> None:
    client = static_app(tmp_path).test_client()
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/assets/files/bp.css").status_code == 200


def test_endpoint_named_static_keeps_its_requirement(tmp_path: Path) -> None:
    client = static_app(tmp_path).test_client()
    assert client.get("/x/report").status_code == 401
    assert client.get("/x/report", headers=USER).status_code == 403
    assert client.get("/x/report", headers=ADMIN).status_code == 200


def test_app_without_static_folder_may_name_an_endpoint_static() -> None:
    app = Flask(__name__, static_folder=None)
    shield = Shield(app, authenticators=[TOKENS], **DEV)

    @app.get("/static-report", endpoint="static")
    @shield.require(roles=["admin"])
    def report() -> Any:
        return {"secret": True}

    client = app.test_client()
    assert client.get("/static-report").status_code == 401
    assert client.get("/static-report", headers=USER).status_code == 403
    listed = {(m, p): s.describe() for m, p, s in collect(app) if s is not None}
    assert listed[("GET", "/static-report")] == "protected roles=admin"


def test_subdomain_routes_are_resolved_with_the_request_host() -> None:
    app = Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"
    shield = Shield(app, authenticators=[TOKENS], **DEV)

    @app.get("/", subdomain="admin")
    @shield.require(roles=["admin"])
    def admin_home() -> Any:
        return {"admin": True}

    @app.get("/")
    @shield.public
    def home() -> Any:
        return {"admin": False}

    client = app.test_client()
    assert client.get("/", base_url="http://example.com").status_code == 200
    assert client.get("/", base_url="http://admin.example.com").status_code == 401
    assert client.get("/", base_url="http://admin.example.com", headers=USER).status_code == 403
    assert client.get("/", base_url="http://admin.example.com", headers=ADMIN).status_code == 200
    listed = {(m, p): s.describe() for m, p, s in collect(app) if s is not None}
    assert listed[("GET", "admin.example.com/")] == "protected roles=admin"
    assert listed[("GET", "/")] == "public"
