"""When the author lists a collection per caller (``GET /tasks`` filtered by the signed-in user), its records are
private: a read of one of them by id that checks nothing is the leak itself (AS102 medium), even where the path's
word (tasks, notes) does not say so. A collection listed to everyone keeps the unchecked read low (access by id is
then often the design)."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from flask import Flask, jsonify
from flask_login import current_user, login_required
from flask_sqlalchemy import SQLAlchemy
app = Flask(__name__)
db = SQLAlchemy(app)


class Task(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey('user.id'))


@app.get('/tasks')
@login_required
def list_tasks():
    return jsonify([t.id for t in {listing}])


@app.get('/tasks/<int:task_id>')
@login_required
def get_task(task_id):
    return jsonify(Task.query.get_or_404(task_id).id)
"""


@pytest.mark.parametrize(("listing", "severity"), [
    ("Task.query.filter_by(user_id=current_user.id)", Severity.MEDIUM),
    ("Task.query.filter(Task.user_id == current_user.id)", Severity.MEDIUM),
    ("Task.query.all()", Severity.LOW),
])
def test_an_unchecked_read_of_a_collection_listed_per_caller_is_medium(
        tmp_path: Path, listing: str, severity: Severity) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(listing=listing)})
    assert [f.severity for f in result.findings if f.rule_id == "AS102"] == [severity]


_RECORD = """\
from flask import Flask, jsonify
from flask_login import login_required
from flask_sqlalchemy import SQLAlchemy
app = Flask(__name__)
db = SQLAlchemy(app)


class Record(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    {owner}


@app.get('/{collection}/<int:record_id>')
@login_required
def read(record_id):
    return jsonify(Record.query.get_or_404(record_id).id)
"""


@pytest.mark.parametrize(("collection", "owner", "severity"), [
    # a customer's loan application, its creator named
    ("applications", "created_by_user_id = db.Column(db.Integer, db.ForeignKey('users.id'))", Severity.MEDIUM),
    ("tickets", "owner_user_id = db.Column(db.Integer)", Severity.MEDIUM),  # a support ticket
    # must stay low: a read by id of published content
    ("articles", "created_by_user_id = db.Column(db.Integer, db.ForeignKey('users.id'))", Severity.LOW),
    ("applications", "reviewed_at = db.Column(db.DateTime)", None),  # must stay quiet: the record names no owner
])
def test_an_unchecked_read_of_a_customers_record_is_medium(tmp_path: Path, collection: str, owner: str,
                                                           severity: Severity | None) -> None:
    result = audit(tmp_path, {"app.py": _RECORD.format(collection=collection, owner=owner)})
    assert [f.severity for f in result.findings if f.rule_id == "AS102"] == ([severity] if severity else [])
