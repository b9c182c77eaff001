"""A handler that checks a password and then signs the caller in is a login, whatever its path and name say
(``/bruteforce``, ``/enter``): without an attempt limit it is reported (AS202). A signed-in caller confirming their
password before an action starts no session and is not a login."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from flask import Flask, request, session
from flask_login import LoginManager, login_required, login_user
from werkzeug.security import check_password_hash

from models import User

app = Flask(__name__)
login_manager = LoginManager(app)


@app.route("/enter", methods=["POST"])
def enter():
    user = User.query.filter_by(name=request.form["username"]).first()
    if user is None or not check_password_hash(user.password, request.form["password"]):
        return "Wrong username or password", 401
    {signs_in}
    return "welcome"


@app.route("/account/close", methods=["POST"])
@login_required
def close():
    if not check_password_hash(session_user().password, request.form["password"]):
        return "wrong password", 403
    session_user().close()
    return "closed"
"""


@pytest.mark.parametrize(("signs_in", "reported"), [
    ("login_user(user)", True),  # must fire: a login named otherwise
    ("session['user_id'] = user.id", True),  # must fire: the session written after the check
    ("pass", False),  # must stay quiet here: a check that signs nobody in is no login by itself
])
def test_a_password_check_that_signs_in_is_a_login(tmp_path: Path, signs_in: str, reported: bool) -> None:
    files = {"app.py": _APP.format(signs_in=signs_in), "models.py": "class User:\n    query = None\n"}
    result = audit(tmp_path, files)
    lines = _APP.splitlines()
    enter = next(i for i, text in enumerate(lines, 1) if text.startswith("@app.route(\"/enter\""))
    close = next(i for i, text in enumerate(lines, 1) if text.startswith("@app.route(\"/account/close\""))
    limits = [f for f in result.findings if f.rule_id == "AS202" and f.severity >= Severity.MEDIUM]
    assert any(f.location is not None and f.location.line in range(enter, enter + 3) for f in limits) is reported
    # the signed-in confirmation is never a login
    assert not any(f.location is not None and f.location.line in range(close, close + 4) for f in limits)
