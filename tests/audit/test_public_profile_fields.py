"""A read whose every answer is a literal object of public profile fields (a user name, an id) shows what anyone
may see of a person: a missing login there is noted at low (AS101). An answer with an e-mail, a whole record or a
serialiser's output stays medium or higher."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from flask import Flask, abort, jsonify
from flask_httpauth import HTTPBasicAuth
app = Flask(__name__)
auth = HTTPBasicAuth()


@app.route('/api/resource')
@auth.login_required
def resource():
    return jsonify({{'data': 'Hello'}})


@app.route('/api/users/<int:id>')
def get_user(id):
    user = User.query.get(id)
    if not user:
        abort(400)
    return {answer}
"""


@pytest.mark.parametrize(("answer", "reported"), [
    ("jsonify({'username': user.username})", False),              # must stay quiet: a public name
    ("jsonify({'id': user.id, 'username': user.username})", False),
    ("jsonify({'username': user.username, 'email': user.email})", True),  # must fire: personal data
    ("jsonify(user.to_dict())", True),
])
def test_a_read_answering_only_public_profile_fields_needs_no_login(tmp_path: Path, answer: str,
                                                                   reported: bool) -> None:
    result = audit(tmp_path, {"api.py": _APP.format(answer=answer)})
    hits = [f for f in result.findings if f.rule_id == "AS101" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported
