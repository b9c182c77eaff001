"""AS109: a privilege decided on a value the client sends must fire — a header or cookie compared with an
administrator's name, the User-Agent, a query or form flag named for a privilege — and stay quiet for the
server's own record of the user (the session, a verified token), for a non-privileged comparison of a header, and
for a query value that only filters a listing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

FLASK = "from flask import Flask, request, jsonify, session, abort\napp = Flask(__name__)\n\n"


@pytest.mark.parametrize(("body", "reported"), [
    ("    if request.headers.get('username') == 'admin':\n        return jsonify(ok=True)\n    abort(401)\n", True),
    ("    ua = request.headers.get('User-Agent')\n    if ua == 'app_admin':\n        return jsonify(ok=True)\n"
     "    abort(403)\n", True),
    ("    if request.args.get('is_admin') == '1':\n        return jsonify(ok=True)\n    abort(403)\n", True),
    ("    if request.cookies.get('role') != 'administrator':\n        abort(403)\n    return jsonify(ok=True)\n", True),
    ("    if session.get('role') == 'admin':\n        return jsonify(ok=True)\n    abort(403)\n", False),
    ("    if request.headers.get('Accept') == 'text/csv':\n        return 'a,b'\n    return jsonify(ok=True)\n", False),
    ("    email = request.args.get('email')\n    if email == 'admin@example.org':\n        return jsonify(sent=True)\n"
     "    email = request.cookies.get('email')\n    return jsonify(ok=email)\n", False),  # the value read then
    ("    rows = USERS\n    if request.args.get('team') == 'admins':\n        rows = [u for u in USERS if u['admin']]\n"
     "    return jsonify(rows=rows)\n", False),
])
def test_a_privilege_decided_by_a_client_value(tmp_path: Path, body: str, reported: bool) -> None:
    source = FLASK + "USERS = []\n\n@app.get('/admin/panel')\ndef panel():\n" + body
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS109" for f in result.findings) is reported
