"""A ``==`` between two fields of one object (a schema's password and its repetition, a form's two password
fields) or between two settings (the configured key and the shipped default) compares nothing a caller could
learn by timing: no AS606. A stored or configured secret compared with what a request carried is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

SCHEMA = '''import msgspec

from settings import API_TOKEN


class Creatable(msgspec.Struct):
    password: str
    repeat: str

    def validate(self) -> None:
        if {compare}:
            raise ValueError("Passwords not matching.")
'''

FLASK = '''import hmac
import flask
from flask import Flask, request

import default_settings
from settings import API_TOKEN

app = Flask(__name__)


@app.post("/check")
def check():
    form = request.form
    data = request.get_json()
    if {compare}:
        return "differs", 400
    return "ok"
'''


@pytest.mark.parametrize(("compare", "reported"), [
    ("self.password != self.repeat", False),
    ("self.repeat != API_TOKEN", True),
])
def test_two_fields_of_one_schema(tmp_path: Path, compare: str, reported: bool) -> None:
    result = audit(tmp_path, {"schemas.py": SCHEMA.format(compare=compare)})
    assert any(f.rule_id == "AS606" for f in result.findings) is reported


@pytest.mark.parametrize(("compare", "reported"), [
    ('data["password"] != data["password_again"]', False),
    ('app.config["SECRET_KEY"] == default_settings.SECRET_KEY', False),
    ("API_TOKEN == default_settings.API_TOKEN", False),
    ('data["token"] != API_TOKEN', True),
    ('request.headers["X-Token"] != app.config["API_TOKEN"]', True),
    ('data["token"] != app.config["API_TOKEN"]', True),
    # a double-submit CSRF check: the header and the cookie are both what this request carried
    ('request.headers.get("X-CSRF-Token") != request.cookies.get("_csrf_token")', False),
    ('flask.request.headers.get("X-CSRF-Token") != flask.request.cookies.get("_csrf_token")', False),
    ('flask.request.headers.get("X-CSRF-Token") != flask.session["csrf_token"]', True),
])
def test_two_fields_or_two_settings_in_a_handler(tmp_path: Path, compare: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": FLASK.format(compare=compare)})
    assert any(f.rule_id == "AS606" for f in result.findings) is reported
