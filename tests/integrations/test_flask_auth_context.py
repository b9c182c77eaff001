"""Authenticators given to the Flask shield run inside the app's app and request context: ``flask.request``,
``flask.g``, ``current_app`` and Flask-Login's ``current_user`` work in them, and the app's own login keeps
working under the shield. The context is the one the view gets (one request, one session, teardown once)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, current_app, g, request
from flask.globals import _cv_request
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user

from apishield.auth.principal import Principal
from apishield.integrations.flask import Shield

USERS = {"1": {"name": "alice", "roles": ["admin"]}, "2": {"name": "bob", "roles": []}}


class User(UserMixin):  # type: ignore[misc]
    def __init__(self, user_id: str) -> None:
        self.id = user_id


class CurrentUser:
    """The app's Flask-Login user as the principal, read with ``current_user`` like the app's views do."""

    auth_method = "session"

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []

    def authenticate(self, view: Any) -> Principal | None:
        self.seen.append((current_app.name, request.path, request.method))
        if not current_user.is_authenticated:
            return None
        g.loaded_by_authenticator = current_user.get_id()
        uid = current_user.get_id()
        return Principal(subject=uid, roles=frozenset(USERS[uid]["roles"]), auth_method="session")


def login_app() -> tuple[Flask, CurrentUser, list[str]]:
    app = Flask("login_app")
    app.secret_key = "test-secret-key-not-for-production"
    manager = LoginManager(app)
    loads: list[str] = []
    teardowns: list[str] = []

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        loads.append(user_id)
        return User(user_id) if user_id in USERS else None

    authenticator = CurrentUser()
    shield = Shield(app, mode="development", authenticators=[authenticator])

    @app.teardown_request
    def count_teardown(exc: BaseException | None) -> None:
        teardowns.append(request.path)

    @app.post("/login/<uid>")
    @shield.public
    def login(uid: str) -> Any:
        login_user(User(uid))
        return {"ok": True}

    @app.post("/logout")
    def logout() -> Any:
        logout_user()
        return {"ok": True}

    @app.get("/me")
    @login_required
    def me() -> Any:
        return {
            "principal": g.principal.subject,
            "current_user": current_user.get_id(),
            "set_by_authenticator": g.get("loaded_by_authenticator"),
        }

    @app.get("/admin")
    @shield.require(roles=["admin"])
    def admin() -> Any:
        return {"admin": current_user.get_id()}

    app.config["LOADS"] = loads
    app.config["TEARDOWNS"] = teardowns
    return app, authenticator, loads


def test_flask_login_keeps_working_under_the_shield() -> None:
    app, authenticator, loads = login_app()
    client = app.test_client()
    assert client.get("/me").status_code == 401  # the shield refuses before the view
    assert client.post("/login/1").status_code == 200
    loads.clear()
    response = client.get("/me")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"principal": "1", "current_user": "1", "set_by_authenticator": "1"}
    assert loads == ["1"]  # the user is loaded once: the authenticator's g is the view's g
    assert ("login_app", "/me", "GET") in authenticator.seen
    assert client.get("/admin").get_json() == {"admin": "1"}
    assert client.post("/logout").status_code == 200
    assert client.get("/me").status_code == 401


def test_roles_come_from_the_apps_own_users() -> None:
    app, _, _ = login_app()
    client = app.test_client()
    client.post("/login/2")
    assert client.get("/me").status_code == 200
    assert client.get("/admin").status_code == 403


@pytest.mark.parametrize("logged_in", [True, False])
def test_one_request_context_per_request(logged_in: bool) -> None:
    app, _, _ = login_app()
    client = app.test_client()
    if logged_in:
        client.post("/login/2")
    teardowns: list[str] = app.config["TEARDOWNS"]
    teardowns.clear()
    status = client.get("/admin").status_code  # 403 (refused after authentication) or 401
    assert status == (403 if logged_in else 401)
    assert teardowns == ["/admin"]  # the context pushed for the authenticator was ended, once
    teardowns.clear()
    client.get("/me")
    assert teardowns == ["/me"]  # handed to Flask, which ended it once
    assert _cv_request.get(None) is None


def test_the_authenticator_outside_the_flask_layer_still_runs() -> None:
    shield = Shield(mode="development", authenticators=[CurrentUser()])
    app = Flask("outside")
    app.secret_key = "x" * 32
    LoginManager(app).user_loader(lambda uid: None)
    with app.test_request_context("/x"):
        view = shield.request_view("GET", "/x", {}, peer="127.0.0.1", scheme="http")
        assert shield.auth.authenticators[0].authenticate(view) is None


def test_the_test_clients_preserved_context_is_the_one_the_authenticator_used() -> None:
    app, _, _ = login_app()
    with app.test_client() as client:
        client.post("/login/1")
        assert client.get("/me").status_code == 200
        assert request.path == "/me" and current_user.get_id() == "1"
        assert g.get("loaded_by_authenticator") == "1"
    assert _cv_request.get(None) is None
