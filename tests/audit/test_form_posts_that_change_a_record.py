"""An HTML form can only POST, so ``POST /issues/<id>/edit`` and ``POST /delete/<id>`` update and delete the record
their path names: left open in an app with sign-ins, that is evidence the route should have been guarded (AS101
high), as a PUT or DELETE would be. A POST that changes nothing stored, or a path without a record's key, is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = '''
from flask import Flask, redirect, request, session
from flask_login import LoginManager, login_required

app = Flask(__name__)
login = LoginManager(app)


@app.get("/account")
@login_required
def account():
    return "mine"


@app.post("{path}")
def handler(**kwargs):
{body}
'''

_WRITES = "    db.execute('UPDATE issues SET title = ?', (request.form['title'],))\n    return redirect('/')\n"
_RENDERS = "    return render_preview(request.form['title'])\n"


@pytest.mark.parametrize(("path", "body", "reported"), [
    ("/issues/<int:issue_id>/edit", _WRITES, True),
    ("/issues/<int:issue_id>/delete", _WRITES, True),
    ("/delete/<int:issue_id>", _WRITES, True),
    ("/issues/<int:issue_id>/edit", _RENDERS, False),
    ("/issues/edit", _WRITES, False),
])
def test_a_form_post_that_edits_or_deletes_a_record_by_key_needs_a_sign_in(
        tmp_path: Path, path: str, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.replace("{path}", path).replace("{body}", body)})
    high = [f for f in result.findings if f.rule_id == "AS101" and f.severity >= Severity.HIGH]
    assert bool(high) is reported
