"""An owner column a query only loads (``SELECT owner_id FROM notes WHERE id = ?``) checks nothing: a handler that
then acts on the record without comparing it with the caller is an object-level authorization gap. The same column
in the query's ``WHERE`` condition bound to the caller, or compared with the caller after loading, is a check."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

APP = '''import sqlite3
from contextlib import closing
from functools import wraps
from flask import Flask, abort, g, jsonify, request

app = Flask(__name__)


def require_auth(fn):
    @wraps(fn)
    def inner(*args, **kwargs):
        g.user_id = decode(request.headers.get("Authorization"))
        if g.user_id is None:
            abort(401)
        return fn(*args, **kwargs)
    return inner


@app.get("/notes")
@require_auth
def list_notes():
    rows = db().execute("SELECT * FROM notes WHERE owner_id = ?", (g.user_id,)).fetchall()
    return jsonify([dict(r) for r in rows])


@app.delete("/notes/<int:note_id>")
@require_auth
def delete_note(note_id):
    with closing(db()) as conn:
{body}
        conn.commit()
    return jsonify({{"deleted": note_id}})
'''


@pytest.mark.parametrize(("body", "reported"), [
    # must fire: the owner is loaded, never compared
    ('        row = conn.execute("SELECT owner_id FROM notes WHERE id = ?", (note_id,)).fetchone()\n'
     '        if row is None:\n            return jsonify({"error": "note not found"}), 404\n'
     '        conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))', True),
    # must stay quiet: compared with the caller, or bound to the caller in the condition
    ('        row = conn.execute("SELECT owner_id FROM notes WHERE id = ?", (note_id,)).fetchone()\n'
     '        if row is None or row["owner_id"] != g.user_id:\n'
     '            return jsonify({"error": "note not found"}), 404\n'
     '        conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))', False),
    ('        conn.execute("DELETE FROM notes WHERE id = ? AND owner_id = ?", (note_id, g.user_id))', False),
])
def test_an_owner_column_only_selected_is_no_check(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": APP.format(body=body)})
    found = [f for f in result.findings if f.rule_id == "AS102" and f.severity >= Severity.MEDIUM]
    assert bool(found) is reported
