"""AS102 reads what a handler does with the caller, not whether it mentions one. Turning away a caller nobody signed in
as (``'user_id' not in session`` … ``'Unauthorized'``, 401) or loading the caller's own record checks no object; a
comparison with the caller, a lookup scoped by it, an action within the caller's own relation
(``current_user.uncollect(photo)``) or a refusal (``return …, 403``) does. A record of a model that names no owner
belongs to nobody, and a secret in the URL (an invitation token) is itself the authorization."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from flask import Flask, abort, jsonify, request, session
from flask_login import current_user, login_required
from flask_sqlalchemy import SQLAlchemy
app = Flask(__name__)
app.secret_key = read_key()
db = SQLAlchemy(app)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64))


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    text = db.Column(db.Text)
{note_owner}

class Course(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(64))


{route}
"""

_NOTE_OWNER = "    user_id = db.Column(db.Integer, db.ForeignKey('user.id'))\n"


def _bola(tmp_path: Path, route: str, note_owner: str = _NOTE_OWNER) -> list[Severity]:
    result = audit(tmp_path, {"app.py": _APP.format(route=route, note_owner=note_owner)})
    return [f.severity for f in result.findings if f.rule_id == "AS102"]


REPORTED = {
    "a session presence test and an Unauthorized answer": """\
@app.route('/notes/<int:note_id>', methods=['DELETE'])
def delete_note(note_id):
    if 'user_id' not in session:
        return jsonify({'error': 'Unauthorized'}), 401
    note = Note.query.get(note_id)
    db.session.delete(note)
    db.session.commit()
    return jsonify({'deleted': note_id})
""",
    "the caller's own record loaded, then never compared": """\
@app.route('/notes/<int:note_id>', methods=['POST'])
def edit_note(note_id):
    if not session.get('logged_in'):
        abort(401)
    me = User.query.filter_by(name=session['user']).first()
    note = Note.query.get_or_404(note_id)
    note.text = request.form['text']
    db.session.commit()
    return jsonify({'editor': me.name})
""",
    "an owner check the client can skip by not sending its id": """\
@app.route('/notes/<int:note_id>/read', methods=['PATCH'])
def mark_read(note_id):
    note = Note.query.get(note_id)
    if not note:
        return jsonify({'error': 'not found'}), 404
    claimed = request.args.get('userId')
    if claimed and note.user_id != int(claimed):
        return jsonify({'error': 'Forbidden'}), 403
    note.text = ''
    db.session.commit()
    return jsonify({'ok': True})
""",
}

QUIET = {
    "a lookup scoped by the caller's id read from the session": """\
@app.route('/notes/<int:note_id>', methods=['DELETE'])
def delete_note(note_id):
    if 'user_id' not in session:
        return jsonify({'error': 'Unauthorized'}), 401
    uid = session['user_id']
    note = Note.query.filter_by(id=note_id, user_id=uid).first_or_404()
    db.session.delete(note)
    db.session.commit()
    return jsonify({'deleted': note_id})
""",
    "an action within the caller's own relation": """\
@app.route('/uncollect/<int:note_id>', methods=['POST'])
@login_required
def uncollect(note_id):
    note = Note.query.get_or_404(note_id)
    current_user.uncollect(note)
    db.session.commit()
    return jsonify({'ok': True})
""",
    "a refusal answered as a tuple with 403": """\
@app.route('/notes/<int:note_id>', methods=['POST'])
@login_required
def edit_note(note_id):
    note = Note.query.get_or_404(note_id)
    if note.user_id != current_user.id:
        return {'error': 'not yours'}, 403
    note.text = request.form['text']
    db.session.commit()
    return {}
""",
    "a visibility check answered 403": """\
@app.route('/notes/<int:note_id>/copy', methods=['POST'])
@login_required
def copy_note(note_id):
    note = Note.query.get(note_id)
    if not note:
        return {'error': 'not found'}, 404
    if not note.public:
        return {'error': 'only public notes are copied'}, 403
    db.session.add(Note(text=note.text))
    db.session.commit()
    return {}
""",
    "a report of another member's object": """\
@app.route('/report/note/<int:note_id>', methods=['POST'])
@login_required
def report_note(note_id):
    note = Note.query.get_or_404(note_id)
    note.flag += 1
    db.session.commit()
    return {}
""",
    "a model that names no owner": """\
@app.route('/courses/<int:course_id>', methods=['PUT'])
@login_required
def edit_course(course_id):
    course = Course.query.get_or_404(course_id)
    course.title = request.json['title']
    db.session.commit()
    return {}
""",
    "an invitation token in the URL": """\
@app.route('/join/<int:user_id>/<token>', methods=['POST'])
def join(user_id, token):
    user = User.query.get(user_id)
    if user.confirm(token):
        user.password = request.form['password']
        db.session.commit()
    return {}
""",
}


@pytest.mark.parametrize("route", REPORTED.values(), ids=REPORTED.keys())
def test_a_write_whose_only_use_of_the_caller_is_knowing_someone_signed_in_is_reported(tmp_path: Path,
                                                                                        route: str) -> None:
    assert _bola(tmp_path, route) == [Severity.MEDIUM]


@pytest.mark.parametrize("route", QUIET.values(), ids=QUIET.keys())
def test_a_write_checked_against_the_caller_or_owned_by_nobody_is_quiet(tmp_path: Path, route: str) -> None:
    assert _bola(tmp_path, route) == []


def test_the_same_write_on_a_model_without_an_owner_field_is_quiet(tmp_path: Path) -> None:
    route = REPORTED["a session presence test and an Unauthorized answer"]
    assert _bola(tmp_path, route, note_owner="") == []


def test_a_fastapi_dependency_named_for_the_owner_check_is_a_check(tmp_path: Path) -> None:
    app = """\
from uuid import UUID
from fastapi import Depends, FastAPI
app = FastAPI()


@app.get("/orders/{id}")
async def read(id: UUID, db=Depends(get_db), _=Depends(check_owner_order_permission)):
    return await db.get_order(id)


@app.get("/invoices/{id}")
async def read_invoice(id: UUID, db=Depends(get_db), user=Depends(get_current_user)):
    return await db.get_invoice(id)
"""
    result = audit(tmp_path, {"app.py": app})
    assert [f.location.line for f in result.findings if f.rule_id == "AS102" and f.location] == [11]


@pytest.mark.parametrize(("dependency", "reported"), [
    ("Depends(user_authenticated_for_tournament)", False),
    ("Depends(require_tournament_member)", False),
    ("Depends(get_current_user)", True),
])
def test_a_dependency_named_for_access_to_the_parent_resource_guards_its_children(
        tmp_path: Path, dependency: str, reported: bool) -> None:
    app = """\
from fastapi import Depends, FastAPI
app = FastAPI()


@app.delete("/tournaments/{tournament_id}/courts/{court_id}")
async def delete_court(tournament_id: int, court_id: int, _=__DEP__):
    await database.execute("DELETE FROM courts WHERE id = :c AND tournament_id = :t",
                           {"c": court_id, "t": tournament_id})
    return {}
""".replace("__DEP__", dependency)
    result = audit(tmp_path, {"app.py": app})
    assert bool([f for f in result.findings if f.rule_id == "AS102"]) is reported


_OWNED_BY_THE_DEPENDENCY_USER = """\
import uuid
from fastapi import Depends, FastAPI, HTTPException

from .auth import User, get_current_user
from .models import Transcription

app = FastAPI()


@app.post("/transcriptions/{{transcription_id}}/minutes")
async def create_minute(transcription_id: uuid.UUID, session=Depends(get_session),
                        user: User = Depends(get_current_user)):
    transcription = await session.get(Transcription, transcription_id)
{check}
    transcription.minutes += 1
    await session.commit()
"""


@pytest.mark.parametrize(("check", "reported"), [
    ("    if not transcription or transcription.user_id != user.id:\n        raise HTTPException(404, 'Not found')",
     False),
    ("    if not transcription or user.id != transcription.user_id:\n        raise HTTPException(404)", False),
    ("    if not transcription:\n        raise HTTPException(404, 'Not found')", True),
])
def test_an_owner_column_compared_with_the_callers_id_answered_404(tmp_path: Path, check: str,
                                                                   reported: bool) -> None:
    """``x.user_id != user.id`` (either way round) turns away everyone but the owner, whatever status it answers."""
    files = {"app/__init__.py": "",
             "app/auth.py": "class User:\n    id = 0\n\ndef get_current_user():\n    return User()\n",
             "app/models.py": "class Transcription:\n    user_id = 0\n    minutes = 0\n",
             "app/main.py": _OWNED_BY_THE_DEPENDENCY_USER.format(check=check)}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS102" and f.severity >= Severity.MEDIUM for f in result.findings) is reported


_LINK = """\
@app.route('/shared/<{key}>/notes/<int:note_id>', methods=['POST'])
def edit_shared(note_id, {key}):
    note = Note.query.filter_by(id=note_id, link={key}).first_or_404()
    note.text = request.form['text']
    db.session.commit()
    return jsonify({{'id': note_id}})
"""


@pytest.mark.parametrize(("key", "reported"), [
    ("token", False), ("share_hash", False), ("public_token", False), ("accessToken", False), ("code", False),
    ("signature", False),
    ("hashtag", True), ("secret_id", True), ("country_code", True), ("tokenId", True),
])
def test_a_write_under_a_link_carrying_its_own_secret_is_quiet(tmp_path: Path, key: str, reported: bool) -> None:
    """A URL argument named for a secret the application handed out authorizes its holder whatever its exact
    spelling; a record's id named for a secret-named model, a hashtag or a country code authorizes nobody."""
    assert bool(_bola(tmp_path, _LINK.format(key=key))) is reported


_ACCOUNT_READ = """\
import sqlite3
from flask import Flask, jsonify, redirect, session

app = Flask(__name__)
app.secret_key = read_key()


@app.route('/account/<int:account_id>')
def account_detail(account_id):
    if 'user_id' not in session:
        return redirect('/login')
    db = sqlite3.connect('bank.db')
    account = db.execute('SELECT * FROM accounts WHERE id = ?', (account_id,)).fetchone()
    extra = db.execute('{extra}', (account_id,)).fetchall()
    return jsonify(account=account, extra=extra)
"""


@pytest.mark.parametrize(("extra", "severity"), [
    ("SELECT * FROM transactions WHERE from_acct = ? ORDER BY ts", Severity.MEDIUM),  # a customer's own records
    ("SELECT amount FROM payments WHERE account = ?", Severity.MEDIUM),
    ("SELECT name FROM branches WHERE id = ?", Severity.LOW),  # a read by id, often a public profile
])
def test_a_read_by_id_that_selects_a_customers_records_is_medium(tmp_path: Path, extra: str,
                                                                 severity: Severity) -> None:
    """Reading by id behind a login is often a public profile (low); reading the records one customer owns
    (transactions, payments, orders), named by the path or by the table the handler selects from, is not."""
    result = audit(tmp_path, {"app.py": _ACCOUNT_READ.format(extra=extra)})
    assert [f.severity for f in result.findings if f.rule_id == "AS102"] == [severity]


_PROFILE_READ = """\
import sqlite3
from flask import Flask, redirect, render_template, session

app = Flask(__name__)
app.secret_key = read_key()


@app.route('/profiles/<int:member_id>')
def profile(member_id):
    if 'uid' not in session:
        return redirect('/login')
    db = sqlite3.connect('club.db')
    member = db.execute('SELECT * FROM members WHERE id = ?', (member_id,)).fetchone()
    return render_template('profile.html', member=member)
"""


@pytest.mark.parametrize(("shown", "severity"), [
    ("{{ member.name }} joined in {{ member.year }}", Severity.LOW),  # a public profile, by design
    ("{{ member.name }}: {{ member.password }}", Severity.MEDIUM),  # another member's secret
])
def test_a_read_by_id_whose_page_prints_a_secret_of_the_record_is_medium(tmp_path: Path, shown: str,
                                                                         severity: Severity) -> None:
    result = audit(tmp_path, {"app.py": _PROFILE_READ, "templates/profile.html": f"<p>{shown}</p>\n"})
    assert [f.severity for f in result.findings if f.rule_id == "AS102"] == [severity]
