"""A Flask-Login route without a login guard whose handler reads a member the anonymous user lacks
(``current_user.username``) before it changes anything cannot serve an anonymous caller (an AttributeError, a 500):
AS101 at most low. The same route that changes a record first, or an app that installs its own anonymous user
class, stays reported above low."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

APP = '''
from flask import Flask, redirect, request
from flask_login import LoginManager, current_user, login_required
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)
login_manager = LoginManager(app)
{anonymous}


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64))
    role = db.Column(db.String(16))


@app.route("/profile")
@login_required
def profile():
    return current_user.username


@app.route("/subscribe", methods=["POST"])
def create_subscription():  # a name that says it writes: the signature itself does nothing
{body}
    return redirect("/")
'''

USES_FIRST = ("    user = User.query.filter_by(username=current_user.username).first()\n"
              "    user.role = 'subscriber'\n    db.session.commit()")
IN_ONE_BRANCH = ("    if request.method == 'GET':\n        return current_user.username\n"
                 "    db.session.add(User(username=request.form['name'], role='subscriber'))\n    db.session.commit()")
CHANGES_FIRST = ("    db.session.add(User(username='visitor', role='subscriber'))\n    db.session.commit()\n"
                 "    print(current_user.username)")


@pytest.mark.parametrize(("body", "anonymous", "low"), [
    (USES_FIRST, "", True),
    (CHANGES_FIRST, "", False),
    (IN_ONE_BRANCH, "", False),  # the POST branch never touches current_user
    (USES_FIRST, "login_manager.anonymous_user = Guest", False),
], ids=["reads-the-user-first", "changes-first", "use-in-another-branch", "own-anonymous-class"])
def test_a_route_anonymous_callers_cannot_pass(tmp_path: Path, body: str, anonymous: str, low: bool) -> None:
    result = audit(tmp_path, {"app.py": APP.format(body=body, anonymous=anonymous)})
    found = [f for f in result.findings if f.rule_id == "AS101" and "create_subscription" in (f.message or "")]
    assert found, [f.message for f in result.findings if f.rule_id == "AS101"]
    assert (max(f.severity for f in found) <= Severity.LOW) is low
