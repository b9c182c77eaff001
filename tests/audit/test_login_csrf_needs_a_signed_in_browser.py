"""Login CSRF (AS502 on a login form) signs the victim into the attacker's account: it needs a login that leaves
the browser signed in — a session write, a cookie, a login helper. A login form that checks the password and only
answers a page or a redirect naming the account signs nobody in, so a forged post gains nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from flask import Flask, redirect, render_template, request, session, url_for
from flask_login import login_user
app = Flask(__name__)
app.secret_key = read_key()


@app.route('/account', methods=['GET', 'POST'])
def account():
    if 'uid' not in session:
        return redirect('/login')
    save_profile(session['uid'], request.form['bio'])
    return 'saved'


@app.route('/login', methods=['GET', 'POST'])
def login():
    if request.method == 'POST':
        user = check_credentials(request.form['username'], request.form['password'])
        if user:
{signs_in}
        return render_template('login.html', error='Invalid session or password')
    return render_template('login.html')
"""


@pytest.mark.parametrize(("signs_in", "reported"), [
    # must fire: the login leaves the browser signed in
    ("            session['uid'] = user.id\n            return redirect('/account')", True),
    ("            login_user(user)\n            return redirect('/account')", True),
    ("            resp = redirect('/account')\n            resp.set_cookie('sid', new_sid(user))\n"
     "            return resp", True),
    # must stay quiet: the login answers a page naming the account and keeps nothing in the browser
    ("            return redirect(url_for('profile') + f'?id={user.id}')", False),
])
def test_a_login_form_is_a_csrf_target_only_when_it_signs_the_browser_in(
        tmp_path: Path, signs_in: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(signs_in=signs_in)})
    login_hits = [f for f in result.findings if f.rule_id == "AS502" and f.severity >= Severity.MEDIUM
                  and f.location and f.location.line > 10]
    assert bool(login_hits) is reported


def test_a_login_answered_by_another_function_may_sign_the_browser_in(tmp_path: Path) -> None:
    """``return check(form)``: whatever the helper does with the session is unseen here, so the login counts."""
    signs_in = "            return finish_login(user)"
    result = audit(tmp_path, {"app.py": _APP.format(signs_in=signs_in)})
    assert any(f.rule_id == "AS502" and f.severity >= Severity.MEDIUM and f.location and f.location.line > 10
               for f in result.findings)
