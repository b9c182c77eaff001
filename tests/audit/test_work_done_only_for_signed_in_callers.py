"""A handler that does its work inside ``if 'uid' in session:`` (or ``if user:`` for an identity read from the
session, or ``if get_current_user():``) and afterwards, and in its ``else``, only redirects, answers a constant or
raises, serves anonymous callers nothing: no AS101. A page rendered for everyone after it, a test of a key that
names no identity (``'cart'``) or of something else (the request method) is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """
from flask import Flask, redirect, render_template, request, session

app = Flask(__name__)


def create_comment(uid, content):
    return None


def all_comments():
    return []


@app.route("/comments", methods=["POST"])
def add_comment():
{body}
"""


@pytest.mark.parametrize(("body", "reported"), [
    ("    if 'uid' in session:\n        create_comment(session['uid'], request.form['content'])\n"
     "    return redirect('/')", False),
    ("    user = session.get('user_id')\n    if user:\n        create_comment(user, request.form['content'])\n"
     "        return redirect('/')\n    else:\n        return redirect('/login')", False),
    ("    if 'cart' in session:\n        create_comment(session['cart'], request.form['content'])\n"
     "    return redirect('/')", True),
    ("    if 'uid' in session:\n        create_comment(session['uid'], request.form['content'])\n"
     "    return render_template('home.html', comments=all_comments())", True),
    ("    if request.method == 'POST':\n        create_comment(None, request.form['content'])\n"
     "    return redirect('/')", True),
], ids=["uid-in-session", "user-else-redirect", "cart-key", "page-for-everyone-after", "method-test"])
def test_work_done_only_for_signed_in_callers(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(body=body)})
    assert any(f.rule_id == "AS101" for f in result.findings) is reported
