"""A handler that loads the signed-in caller (``user = current_user()``, a helper that reads the session and loads
the caller's record) and then an object by the id the client chose is an unchecked object read (AS102): loading the
caller is no check of the object, nor is handing both to the template, nor is a variable named ``owner`` that holds
the object's owner for display. A comparison of the object's owner with the caller, or a 403, is a check."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
import sqlite3
from flask import Flask, abort, redirect, render_template, session, url_for

app = Flask(__name__)


def get_db():
    return sqlite3.connect("hr.db")


def current_user():
    uid = session.get("uid")
    if not uid:
        return None
    return get_db().execute("SELECT * FROM users WHERE id=?", (uid,)).fetchone()


@app.route("/payslip/<int:payslip_id>")
def view_payslip(payslip_id):
    user = current_user()
    if not user:
        return redirect(url_for("login"))
    db = get_db()
    payslip = db.execute("SELECT * FROM payslips WHERE id=?", (payslip_id,)).fetchone()
    if not payslip:
        abort(404)
{check}
    owner = db.execute("SELECT * FROM users WHERE id=?", (payslip["user_id"],)).fetchone()
    return render_template("payslip.html", user=user, payslip=payslip, owner=owner)
"""
_SCHEMA = 'SCHEMA = """CREATE TABLE payslips (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, amount REAL);"""\n'


@pytest.mark.parametrize(("check", "fires"), [
    ("", True),
    ('    if payslip["user_id"] != user["id"]:\n        abort(403)', False),
    ('    if payslip["user_id"] != user["id"] and user["role"] != "hr":\n        abort(404)', False),
])
def test_an_object_read_beside_the_callers_own_record(tmp_path: Path, check: str, fires: bool) -> None:
    findings = [f for f in audit(tmp_path, {"app.py": _APP.format(check=check), "schema.py": _SCHEMA}).findings
                if f.rule_id == "AS102"]
    assert bool(findings) is fires
    if fires:
        assert findings[0].severity == Severity.MEDIUM  # a payslip is one person's record
