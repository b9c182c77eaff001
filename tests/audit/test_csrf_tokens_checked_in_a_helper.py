"""A form handler that calls a helper of the project's which compares the session's CSRF token with the posted one
and aborts is protected, as if it compared them itself; a helper that only reads or makes the token checks nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''from secrets import token_hex
from flask import Flask, abort, redirect, request, session

app = Flask(__name__)
app.secret_key = load_key()


def check_user():
{helper}


@app.route("/login", methods=["POST"])
def login():
    session["username"] = request.form["username"]
    session["csrf_token"] = token_hex(16)
    return redirect("/")


@app.route("/create", methods=["POST"])
def create():
    check_user()
    save_todo(request.form["content"], session["username"])
    return redirect("/")
'''


@pytest.mark.parametrize(("helper", "reported"), [
    # must stay quiet: the helper compares the tokens and aborts
    ('    if session["csrf_token"] != request.form["csrf_token"]:\n        abort(403)', False),
    # must fire: the helper checks only that someone signed in
    ('    if "username" not in session:\n        abort(403)', True),
])
def test_a_csrf_check_made_in_a_helper_protects_the_form(tmp_path: Path, helper: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": APP.format(helper=helper)})
    found = [f for f in result.findings if f.rule_id == "AS502" and f.location is not None
             and "/create" in f.message]
    assert bool(found) is reported
