"""Reading a record by id behind a sign-in is often the design (a profile, an article), so AS102 stays low there; a
handler that answers a secret of what it loaded (``secret=user.secret``, ``"api_key": account.api_key``) reads what is
never public, and the finding is medium."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from flask import Flask, jsonify, render_template, request
from flask_login import LoginManager, login_required

from models import User

app = Flask(__name__)
login_manager = LoginManager(app)


@app.route("/people/<int:person_id>")
@login_required
def person(person_id):
    api_key = request.headers.get("X-Api-Key")  # the caller's key, read: not an answer
    user = User.query.get(person_id)
    return {answer}
"""


@pytest.mark.parametrize(("answer", "medium"), [
    ("render_template('person.html', name=user.name, secret=user.secret)", True),  # must fire: a secret answered
    ("jsonify({'name': user.name, 'api_key': user.api_key})", True),  # must fire
    ("render_template('person.html', name=user.name, bio=user.bio)", False),  # must stay low: a profile
])
def test_a_record_read_by_id_whose_secret_is_answered(tmp_path: Path, answer: str, medium: bool) -> None:
    files = {"app.py": _APP.format(answer=answer),
             "models.py": "class User:\n    query = None\n    id = 0\n    user_id = 0\n"}
    result = audit(tmp_path, files)
    found = [f for f in result.findings if f.rule_id == "AS102"]
    assert found, "the read by id is reported either way"
    assert any(f.severity >= Severity.MEDIUM for f in found) is medium
