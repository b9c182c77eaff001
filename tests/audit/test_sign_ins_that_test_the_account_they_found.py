"""A sign-in that tests the role of the account it found (``if user.is_admin: set_cookie('is_admin', 'true')``)
decides what it grants, not who may try: it still takes guesses without a limit (AS202). A role the route
requires before its handler runs puts it behind a sign-in, and a route that only a signed-in administrator reaches
is not a place to guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_LOGIN = """\
import sqlite3
from flask import Flask, request, make_response, redirect, render_template
app = Flask(__name__)
@app.route('/login', methods=['GET', 'POST'])
def login():
    if request.method == 'GET':
        return render_template('login.html')
    cursor = sqlite3.connect('app.db').cursor()
    cursor.execute('SELECT name, password, is_admin FROM user WHERE name = ?', (request.form['username'],))
    row = cursor.fetchone()
    if row and row[1] == request.form['password']:
        user = {'name': row[0], 'is_admin': row[2]}
        response = make_response(redirect('/'))
        response.set_cookie('current_user', user['name'])
        if user['is_admin']:
            response.set_cookie('is_admin', 'true')
        return response
    return render_template('login.html', error='Invalid credentials')
"""
_ADMIN_ONLY = """\
from flask import Flask, request, jsonify
from flask_login import login_required
from auth import admin_required
from models import find_user
app = Flask(__name__)
@app.route('/admin/impersonate/login', methods=['POST'])
@login_required
@admin_required
def impersonate_login():
    user = find_user(request.form['username'])
    return jsonify(ok=user is not None)
"""


@pytest.mark.parametrize(("source", "reported"), [
    (_LOGIN, True),  # must fire: the role test comes after the guess it lets through
    (_ADMIN_ONLY, False),  # must stay quiet: only a signed-in administrator reaches it
])
def test_a_sign_in_that_tests_the_accounts_role_still_takes_guesses(tmp_path: Path, source: str,
                                                                   reported: bool) -> None:
    result = audit(tmp_path, {"app.py": source})
    hits = [f for f in result.findings if f.rule_id == "AS202" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported
