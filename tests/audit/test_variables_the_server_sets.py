"""The WSGI variables the server's authentication sets (``REMOTE_USER``, ``AUTH_TYPE``) are not request data: no
client writes them (Apache's Kerberos or OpenID Connect module, or a checked login, does). Formatted into SQL they
are no injection from the request. Headers read through the environment (``HTTP_*``) and the peer address that proxy
fixes rewrite from a header stay request data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/groups")
def groups():
    user = {read}
    rows = sqlite3.connect("app.db").execute(f"SELECT name FROM groups WHERE member = '{{user}}'").fetchall()
    return {{"groups": [r[0] for r in rows]}}
'''


@pytest.mark.parametrize(("read", "fires"), [
    ("request.environ.get('REMOTE_USER')", False),
    ("request.environ['REMOTE_USER']", False),
    ("request.environ.get('AUTH_TYPE')", False),
    ("request.environ.get('HTTP_X_REMOTE_USER')", True),
    ("request.environ['REMOTE_ADDR']", True),
    ("request.headers.get('X-Remote-User')", True),
], ids=["remote-user-get", "remote-user-item", "auth-type", "header-in-environ", "peer-address", "header"])
def test_variables_the_server_sets_are_not_request_data(tmp_path: Path, read: str, fires: bool) -> None:
    result = audit(tmp_path, {"app.py": APP.format(read=read)})
    sql = [f for f in result.findings if f.rule_id == "AS801"]
    assert bool(sql) is fires, [(f.message, f.confidence) for f in sql]
