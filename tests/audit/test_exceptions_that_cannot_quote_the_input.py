"""Exception text shown in an HTML answer is cross-site scripting (AS404) only when the failing operation may quote
the caller's value in its message. A parameterised query, base64 decoding, ``bytes.decode`` and a helper of the
module that passes the value on only to such operations never do; ``int(value)`` or a query built from it do."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
import base64
import sqlite3
from flask import Flask, request
app = Flask(__name__)


def find_user(user_id):
    conn = sqlite3.connect('app.db')
    return conn.execute({query}).fetchone()


@app.route('/user')
def user():
    uid = request.args.get('id', '')
    try:
        {body}
        return 'found' if row else 'none'
    except Exception as e:
        return f"<p>Invalid ID: {{e}}</p>", 400
"""

_BOUND = "'SELECT * FROM users WHERE id = ?', (user_id,)"
_BUILT = "'SELECT * FROM users WHERE id = ' + user_id"


@pytest.mark.parametrize(("query", "body", "reported"), [
    # must stay quiet: nothing in the try can put the caller's text into the message
    (_BOUND, "row = find_user(uid)", False),
    (_BOUND, "row = find_user(base64.b64decode(uid).decode())", False),
    # must fire: int() quotes its argument; the helper builds SQL text from it (the error may quote the SQL)
    (_BOUND, "row = find_user(int(uid))", True),
    (_BUILT, "row = find_user(uid)", True),
])
def test_exception_text_is_reflected_input_only_when_the_operation_may_quote_it(
        tmp_path: Path, query: str, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(query=query, body=body)})
    hits = [f for f in result.findings if f.rule_id == "AS404" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported
