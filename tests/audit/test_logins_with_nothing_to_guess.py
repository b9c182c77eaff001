"""A login without attempt limits (AS202) matters when it checks a secret someone can guess. One that reads the
password field and never uses it (the documented bypass of many labs) has nothing to brute-force: low. One that
checks it, directly or through a helper it hands the password to, stays medium or higher; a sign-up that signs in
the account it has just made checks nothing anyone could guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from flask import Flask, redirect, request, session
from werkzeug.security import check_password_hash
app = Flask(__name__)


@app.route('/login', methods=['POST'])
def login():
    username = request.form['username']
    password = request.form['password']
    user = fetch_user(username)
    # if user and check_password_hash(user.password, password):
    if {test}:
        session['user_id'] = user.id
        return redirect('/notes')
    return 'Invalid credentials', 401
"""


@pytest.mark.parametrize(("test", "reported"), [
    ("user", False),                                                # must stay quiet: the password is never used
    ("user and check_password_hash(user.password, password)", True),  # must fire: a password is checked
    ("verify_login(user, password)", True),
])
def test_a_login_that_never_checks_the_password_has_nothing_to_guess(tmp_path: Path, test: str,
                                                                    reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(test=test)})
    hits = [f for f in result.findings if f.rule_id == "AS202" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported


_SIGN_UP = """\
from django.contrib.auth import authenticate, login
from django.contrib.auth.forms import UserCreationForm
from django.shortcuts import redirect, render


def sign_up(request):
    if request.method == 'POST':
        form = UserCreationForm(request.POST)
        if form.is_valid():
{made}
            user = authenticate(username=form.cleaned_data['username'],
                                password=form.cleaned_data['password1'])
            login(request, user)
            return redirect('/')
    return render(request, 'sign_up.html', {{'form': UserCreationForm()}})
"""


@pytest.mark.parametrize(("made", "reported"), [
    ("            form.save()", False),  # must stay quiet: it signs in the account it has just made
    ("            User.objects.create_user(form.cleaned_data['username'], password=form.cleaned_data['password1'])",
     False),
    ("            pass", True),  # must fire: nothing made here, so the password is checked against an existing account
])
def test_a_sign_up_signing_in_its_new_account_has_nothing_to_guess(tmp_path: Path, made: str, reported: bool) -> None:
    result = audit(tmp_path, {"views.py": _SIGN_UP.format(made=made)})
    hits = [f for f in result.findings if f.rule_id == "AS202" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported
