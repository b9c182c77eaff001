"""A sign-in that reads a password and never checks it — it only tests that one was sent, or keeps it in the
session as it came — lets anyone in by name alone: its missing attempt limit (AS202) guards nothing and stays low.
One that compares the password or hands it to a verifying call keeps its severity."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from flask import Flask, redirect, request, session

app = Flask(__name__)
app.secret_key = load_key()


@app.post("/login")
def login():
    username = request.form.get("username")
    password = request.form.get("password")
    if username is None or password is None:
        return redirect("/login?error=missing")
{body}
    return redirect("/")
"""


@pytest.mark.parametrize(("body", "medium"), [
    ('    session["username"] = username\n    session["password"] = password', False),  # nothing checked
    ('    if not check_password_hash(load_hash(username), password):\n        return redirect("/login")\n'
     '    session["username"] = username', True),  # must fire: a guessable password is verified
    ('    if password != load_password(username):\n        return redirect("/login")\n'
     '    session["username"] = username', True),
    ('    user = authenticate(username=username, password=password)\n    if user is None:\n'
     '        return redirect("/login")\n    session["username"] = username', True),  # checked through a call
    ('    if not Authenticator().authenticate():\n        return redirect("/login")\n'
     '    session["username"] = username', True),  # a verifier that reads the request itself
])
def test_a_sign_in_that_checks_no_password_has_nothing_to_limit(tmp_path: Path, body: str, medium: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(body=body)})
    limits = [f for f in result.findings if f.rule_id == "AS202"]
    assert limits, "reported either way"
    assert any(f.severity >= Severity.MEDIUM for f in limits) is medium
