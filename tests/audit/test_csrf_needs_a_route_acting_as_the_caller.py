"""A forged form post gains something only from a route that acts as the signed-in caller (AS502). A route that
only hands ``current_user`` to its template to draw the navigation (a sign-up that signs nobody in, a tool page)
stays quiet; one that changes the caller's records, or reads ``current_user`` for anything else, is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity

from .helpers import audit

_APP = """\
from flask import Flask, flash, redirect, render_template, request, session
from flask_login import LoginManager, current_user, login_required, login_user
app = Flask(__name__)
app.secret_key = read_key()
LoginManager(app)


@app.route('/login', methods=['POST'])
def login():
    login_user(check(request.form['username'], request.form['password']))
    return redirect('/')


@app.route('/notes', methods=['POST'])
@login_required
def notes():
    save_note(current_user.id, request.form['text'])
    return redirect('/')


@app.route('/action', methods=['GET', 'POST'])
def action():
    if request.method == 'POST':
{body}
    return render_template('page.html', user=current_user)
"""


@pytest.mark.parametrize(("body", "reported"), [
    # must stay quiet: nothing is done as the caller
    ("        db.session.add(User(email=request.form['email'], password=hash_pw(request.form['pw'])))\n"
     "        db.session.commit()\n        flash('Account created!')", False),
    ("        return render_template('out.html', user=current_user, text=run(request.form['host']))", False),
    # only a signed-in visitor is sent away before the account is made: the session picks nobody to act as
    ("        if current_user.is_authenticated:\n            return redirect('/dashboard')\n"
     "        db.session.add(User(email=request.form['email']))\n        db.session.commit()", False),
    ("        if 'user_id' in session:\n            return redirect('/')\n"
     "        db.session.add(User(email=request.form['email']))\n        db.session.commit()", False),
    # must fire: the post acts as the signed-in caller
    ("        current_user.email = request.form['email']\n        db.session.commit()", True),
    ("        save_note(current_user.id, request.form['text'])", True),
    # the same guard, then the caller's own record changed: acting as the caller
    ("        if not current_user.is_authenticated:\n            return redirect('/login')\n"
     "        current_user.email = request.form['email']\n        db.session.commit()", True),
    ("        if current_user.is_authenticated:\n            return redirect('/dashboard')\n"
     "        session['user_id'] = create(request.form['email'])", True),
    # a sign-up that signs its new account in: a forged one signs the victim into the attacker's account
    ("        user = User(email=request.form['email'])\n        db.session.add(user)\n        login_user(user)", True),
])
def test_csrf_needs_a_route_acting_as_the_caller(tmp_path: Path, body: str, reported: bool) -> None:
    source = _APP.format(body=body)
    result = audit(tmp_path, {"app.py": source})
    line = next(i for i, text in enumerate(source.splitlines(), 1) if "'/action'" in text)
    hits = [f for f in result.findings if f.rule_id == "AS502" and f.severity >= Severity.MEDIUM
            and f.location and f.location.line == line]
    assert bool(hits) is reported
