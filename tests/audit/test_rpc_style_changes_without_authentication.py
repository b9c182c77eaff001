"""A POST to an action named for a change among other words (``/badges/bulk-update``, ``/change-user-role``,
``/delete-account``) changes or deletes the records its body names, as a PUT or DELETE would: without
authentication it is reported at medium or higher (AS101). A POST whose path names no change (a newsletter sign-up,
a search) stays low."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity

from .helpers import audit

_APP = """\
from flask import Flask, request
from flask_login import login_required
app = Flask(__name__)


@app.route('/teams', methods=['POST'])
@login_required
def create_team():
    db.session.add(Team(**request.get_json()))
    db.session.commit()
    return {'ok': True}


@app.route('{path}', methods=['POST'])
def action():
    for item in request.get_json()['items']:
        badge = Badge.query.get(item['id'])
        badge.status = item['status']
    db.session.commit()
    return {'ok': True}
"""


@pytest.mark.parametrize(("path", "reported"), [
    ("/badges/bulk-update", True),  # must fire
    ("/api/change-user-role", True),
    ("/api/delete_account", True),
    ("/newsletter", False),  # must stay quiet (low): nothing in the path says it changes stored records
    ("/badges/updates-feed", False),  # a word that merely contains 'update'
])
def test_rpc_style_changes_need_authentication(tmp_path: Path, path: str, reported: bool) -> None:
    source = _APP.replace("{path}", path)
    result = audit(tmp_path, {"app.py": source})
    line = next(i for i, text in enumerate(source.splitlines(), 1) if f"'{path}'" in text)
    severities = [f.severity for f in result.findings if f.rule_id == "AS101" and f.location
                  and f.location.line == line]
    assert severities, "the route is listed either way"
    assert (max(severities) >= Severity.MEDIUM) is reported
