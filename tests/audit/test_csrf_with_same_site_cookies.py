"""Browsers leave a ``SameSite=Lax`` or ``Strict`` cookie off a form another site posts: an app whose every cookie is
set so (each ``set_cookie`` names it, the framework's session is configured with it) is not open to forged posts
acting as the victim (AS502 quiet), though a forged login still signs the victim in (AS502 on the login stays). One
cookie set without it, or a session left at the framework's default, keeps the finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity

from .helpers import audit

_APP = """\
from flask import Flask, redirect, request, session
app = Flask(__name__)
app.secret_key = read_key()
{config}


@app.route('/profile', methods=['POST'])
def profile():
    if 'uid' not in session:
        return redirect('/login')
    save_bio(session['uid'], request.form['bio'])
    return 'saved'


@app.route('/login', methods=['POST'])
def login():
    user = check(request.form['username'], request.form['password'])
    session['uid'] = user.id
    resp = redirect('/profile')
    resp.set_cookie('theme', 'dark'{cookie})
    return resp
"""


@pytest.mark.parametrize(("config", "cookie", "profile_reported"), [
    ("app.config['SESSION_COOKIE_SAMESITE'] = 'Lax'", ", samesite='Lax'", False),  # must stay quiet
    ("app.config.update(SESSION_COOKIE_SAMESITE='Strict')", ", samesite='Strict'", False),
    ("", ", samesite='Strict'", True),  # must fire: the session cookie keeps the framework's default
    ("app.config['SESSION_COOKIE_SAMESITE'] = 'Lax'", "", True),  # one cookie without it
    ("app.config['SESSION_COOKIE_SAMESITE'] = None", ", samesite='Lax'", True),
])
def test_same_site_cookies_stop_forged_posts_but_not_a_forged_login(
        tmp_path: Path, config: str, cookie: str, profile_reported: bool) -> None:
    source = _APP.format(config=config, cookie=cookie)
    result = audit(tmp_path, {"app.py": source})
    lines = {i for i, text in enumerate(source.splitlines(), 1) if "@app.route" in text}
    profile_line, login_line = sorted(lines)
    hits = {f.location.line for f in result.findings if f.rule_id == "AS502" and f.severity >= Severity.MEDIUM
            and f.location}
    assert (profile_line in hits) is profile_reported
    assert login_line in hits  # login CSRF: SameSite does not stop a forged sign-in
