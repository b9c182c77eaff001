"""What a handler or decorator only says or is told checks nothing: a log line naming the caller is no ownership
check (AS102), and a role the client sends in the request (``data.get('role') == 'admin'``) is no role check — the
route stays one that any signed-in user may call with any id."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
import logging
from functools import wraps
from flask import Flask, abort, jsonify, request, session
app = Flask(__name__)
log = logging.getLogger(__name__)


def signed_in(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
{decorator}        if "user_id" not in session:
            abort(401)
        return fn(*args, **kwargs)
    return wrapper


@app.get("/orders/<int:order_id>")
@signed_in
def order(order_id):
    row = db.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
{body}    return jsonify(dict(row))
"""


def _bola(tmp_path: Path, decorator: str = "", body: str = "") -> list[tuple[int, Severity]]:
    result = audit(tmp_path, {"app.py": _APP.format(decorator=decorator, body=body)})
    return [(f.location.line, f.severity) for f in result.findings if f.rule_id == "AS102" and f.location]


@pytest.mark.parametrize("body", [
    "",
    '    print(f"user {session.get(\'user_id\')} read order {order_id}")\n',
    "    log.info('order %s read by %s', order_id, session['user_id'])\n",
    "    app.logger.warning('owner of %s not checked', order_id)\n",
])
def test_a_lookup_by_id_whose_only_mention_of_the_caller_is_a_log_line_is_reported(tmp_path: Path,
                                                                                   body: str) -> None:
    assert _bola(tmp_path, body=body) == [(17, Severity.MEDIUM)]


def test_a_lookup_compared_with_the_caller_is_quiet(tmp_path: Path) -> None:
    body = "    if row['owner_id'] != session['user_id']:\n        abort(404)\n"
    assert _bola(tmp_path, body=body) == []


@pytest.mark.parametrize("decorator", [
    "        data = request.get_json(silent=True) or {}\n        if data.get('role') == 'admin':\n"
    "            session['role'] = 'admin'\n",
    "        if request.args.get('admin') == 'true':\n            session['is_admin'] = True\n",
])
def test_a_role_the_client_sends_is_no_role_check(tmp_path: Path, decorator: str) -> None:
    assert _bola(tmp_path, decorator=decorator) == [(17 + decorator.count("\n"), Severity.MEDIUM)]


def test_a_role_read_from_the_session_is_a_role_check(tmp_path: Path) -> None:
    decorator = "        if session.get('role') != 'admin':\n            abort(403)\n"
    assert _bola(tmp_path, decorator=decorator) == []


@pytest.mark.parametrize(("decorator", "checked"), [
    # the signed-in caller the guard attached to the request: the server's record, a role check
    ("        request.user = load_user(session['user_id'])\n"
     "        if request.user.role not in ['admin', 'staff']:\n            abort(403)\n", True),
    # the same test on what the client sent checks nothing
    ("        if request.args.get('role') not in ['admin', 'staff']:\n            abort(403)\n", False),
])
def test_a_role_of_the_caller_attached_to_the_request_is_a_role_check(tmp_path: Path, decorator: str,
                                                                      checked: bool) -> None:
    assert (_bola(tmp_path, decorator=decorator) == []) is checked
