"""A password-recovery step is public by nature: its caller cannot sign in, and the mailed token or code is its
credential. A "reset" route that stores a new password for a named account without reading any token or code is
not one: anyone sets anyone's password, and it is reported like any other open write."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from flask import Flask, request, jsonify
from flask_login import login_required
from models import User, db, verify_reset_token
app = Flask(__name__)
@app.route('/account', methods=['POST'])
@login_required
def account():
    return jsonify(ok=True)
{route}
"""


@pytest.mark.parametrize(("route", "medium"), [
    # must fire: a new password stored for whichever account is named, no secret read
    ("@app.route('/admin/reset-password', methods=['POST'])\ndef reset_password():\n"
     "    user = User.query.filter_by(username=request.form['username']).first()\n"
     "    user.password = request.form['new_password']\n    db.session.commit()\n    return jsonify(ok=True)\n", True),
    # must stay quiet (low): the mailed token is the credential, or the step only mails one
    ("@app.route('/reset-password/<token>', methods=['POST'])\ndef reset_password(token):\n"
     "    user = verify_reset_token(token)\n    user.password = request.form['new_password']\n"
     "    db.session.commit()\n    return jsonify(ok=True)\n", False),
    ("@app.route('/forgot-password', methods=['POST'])\ndef forgot_password():\n"
     "    user = User.query.filter_by(email=request.form['email']).first()\n    return jsonify(sent=True)\n", False),
])
def test_a_reset_that_reads_no_secret_is_an_open_password_change(tmp_path: Path, route: str, medium: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(route=route)})
    hits = [f for f in result.findings if f.rule_id == "AS101" and "password" in f.message]
    assert any(f.severity >= Severity.MEDIUM for f in hits) is medium
