"""A login that counts an account's failed attempts and locks it past a limit (``failed_attempts``,
``locked_until``, ``MAX_LOGIN_ATTEMPTS``) bounds the guesses at one account: AS202 lists it at low (no limit per
client remains); a login with no such count, or one that only counts, is reported as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from flask import Flask, request, jsonify
from models import find_user, save
app = Flask(__name__)
MAX_LOGIN_ATTEMPTS = 5
@app.route('/login', methods=['POST'])
def login():
    user = find_user(request.form['username'])
{body}
    if not user.check(request.form['password']):
{fail}
        return jsonify(error='invalid'), 401
    return jsonify(token=user.new_token())
"""


@pytest.mark.parametrize(("body", "fail", "medium"), [
    ("    pass", "        pass", True),  # must fire: nothing counts the guesses
    ("    pass", "        user.failed_attempts += 1\n        save(user)", True),  # must fire: counted, never locked
    # must stay quiet (low): counted and locked past the limit
    ("    if user.locked_until and user.locked_until > now():\n        return jsonify(error='locked'), 403",
     "        user.failed_attempts += 1\n        if user.failed_attempts >= MAX_LOGIN_ATTEMPTS:\n"
     "            user.locked_until = in_minutes(15)\n        save(user)", False),
])
def test_a_login_that_locks_the_account_is_limited_per_account(tmp_path: Path, body: str, fail: str,
                                                                 medium: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(body=body, fail=fail)})
    hits = [f for f in result.findings if f.rule_id == "AS202"]
    assert hits, "the login stays listed"
    assert any(f.severity >= Severity.MEDIUM for f in hits) is medium
