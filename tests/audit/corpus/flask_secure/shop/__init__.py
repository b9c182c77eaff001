"""Corpus: a hardened Flask app built with an app factory, blueprints and extensions bound by init_app."""
import os
from datetime import timedelta

from flask import Flask

from .extensions import csrf, limiter, login_manager, talisman


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=8)
    app.config["DEBUG"] = os.environ.get("FLASK_DEBUG") == "1"
    limiter.init_app(app)
    talisman.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)

    from . import api, auth, views

    app.register_blueprint(auth.bp, url_prefix="/api/v1/auth")
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(views.bp)
    return app
