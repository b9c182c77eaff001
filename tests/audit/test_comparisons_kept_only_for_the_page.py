"""A comparison of the requested id with the caller that is only kept for the page (``is_own = user_id ==
session["user_id"]`` handed to the template) refuses nothing: the object is still loaded for any caller, so AS102
still reports it. The same comparison tested by a branch that refuses, directly or through the flag, is a check."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """\
from flask import Flask, abort, redirect, render_template, session

app = Flask(__name__)


@app.route("/users/<int:user_id>")
def view_user(user_id):
    if "user_id" not in session:
        return redirect("/login")
{check}    user = db.execute("SELECT id, username, email FROM users WHERE id = ?", (user_id,)).fetchone()
    is_own = user_id == session["user_id"]
    return render_template("user.html", user=user, is_own=is_own)
"""


@pytest.mark.parametrize(("check", "reported"), [
    ("", True),  # must fire: the flag only tells the page whose profile it shows
    ("    if user_id != session['user_id']:\n        abort(403)\n", False),  # must stay quiet: a refusing check
])
def test_a_comparison_kept_only_for_the_page_checks_nothing(tmp_path: Path, check: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(check=check)})
    assert any(f.rule_id == "AS102" for f in result.findings) is reported


def test_a_flag_a_refusing_branch_tests_is_a_check(tmp_path: Path) -> None:
    source = _APP.format(check="").replace(
        '    return render_template("user.html", user=user, is_own=is_own)',
        '    if not is_own:\n        abort(403)\n    return render_template("user.html", user=user, is_own=is_own)')
    assert not any(f.rule_id == "AS102" for f in audit(tmp_path, {"app.py": source}).findings)
