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


GUARDS = FLASK + '''
def admin_required(fn):
    def wrapper(*args, **kwargs):
{body}
        if session.get("role") != "admin":
            abort(403)
        return fn(*args, **kwargs)
    return wrapper


@app.get("/admin/users")
@admin_required
def users():
    return jsonify(USERS)
'''


@pytest.mark.parametrize(("body", "reported"), [
    # must fire: the guard lets a client-sent switch through, or writes a privilege the body claims into the session
    ("        bypass = str(request.headers.get('X-Admin-Bypass', '')).lower()\n"
     "        if bypass in ('1', 'true', 'yes', 'on'):\n            return fn(*args, **kwargs)\n", True),
    ("        if request.args.get('bypass') == '1':\n            return fn(*args, **kwargs)\n", True),
    ("        data = request.get_json() or {}\n"
     "        if data.get('admin_mode') == 'true' or data.get('role') == 'admin':\n"
     "            session['role'] = 'admin'\n", True),
    # must stay quiet: switches that grant nothing
    ("        if request.headers.get('X-Requested-With') in ('XMLHttpRequest',):\n"
     "            return fn(*args, **kwargs)\n", False),
    ("        if request.args.get('page') in ('1', 'true'):\n            return fn(*args, **kwargs)\n", False),
])
def test_a_guard_that_a_client_switch_opens(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": GUARDS.replace("{body}", body).replace("USERS", "[]")})
    assert any(f.rule_id == "AS109" for f in result.findings) is reported
