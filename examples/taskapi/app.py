"""The Secure Task API application factory.

    gunicorn -c examples/taskapi/gunicorn.conf.py --chdir examples taskapi.wsgi:app   # production server

``create_app()`` reads :class:`~taskapi.settings.Settings` from the environment (or takes one), opens the
database (SQLite or PostgreSQL) and the shared state store, installs apishield and registers the routes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response

from apishield.auth.passwords import Passwords
from apishield.errors import Reject, StoreError, StoreUnavailable
from apishield.integrations.flask import Shield
from apishield.ratelimit.guard import EventThrottle
from taskapi.db import make_engine
from taskapi.http import BoundedIntConverter, reject_response
from taskapi.security import Security
from taskapi.settings import Settings
from taskapi.views import admin, auth, clients, meta, tasks


def create_app(settings: Settings | None = None, *, clock: Callable[[], float] | None = None,
               store: object = None, passwords: Passwords | None = None) -> Flask:
    """The application. ``clock``, ``store`` and ``passwords`` are for tests (time travel, cheaper hashing)."""
    settings = settings or Settings.from_env()
    app = Flask("taskapi")
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024, JSON_SORT_KEYS=False)
    app.url_map.converters["int"] = BoundedIntConverter  # <int:id> stops at the largest id the database holds
    logging.getLogger("taskapi").setLevel(logging.INFO)
    engine = make_engine(settings.database_url)
    security = Security(settings, engine, store=store, passwords=passwords,
                        **({"clock": clock} if clock is not None else {}))
    security.register(app)
    # apishield guards every route of the app: deny-by-default auth, limits, CORS, headers, problem+json
    Shield(app, security.shield_config(), **security.shield_components())
    app.register_blueprint(meta.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(clients.bp)
    app.register_blueprint(clients.oauth_bp)
    app.register_error_handler(Reject, _reject)
    store_events = EventThrottle()

    def store_down(exc: StoreError) -> Response:  # any store failure: fail closed, one event per 10 s
        if isinstance(exc, StoreUnavailable):  # already reported (throttled) where it happened
            return reject_response(exc)
        store_events.emit("taskapi.store_error", level=logging.ERROR, error=type(exc).__name__)
        return reject_response(StoreUnavailable())

    app.register_error_handler(StoreError, store_down)
    return app


def _reject(exc: Reject) -> Response:
    return reject_response(exc)
