"""SQL text of unknown origin (no request data proven to reach it) is worth reading at medium, except where the
author binds the values: a query given its parameters apart, or one whose only formatted values are named for SQL
identifiers (a table or column name, which no driver can bind), is low. Request data reaching the same queries is
reported as before, and Flask-SQLAlchemy's ``db.text(sql)`` is SQLAlchemy's ``text()``."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity

from .helpers import audit

SERVICE = """\
class Notes:
    def __init__(self, conn, notes_table):
        self._conn, self._notes_table = conn, notes_table

    def run(self, extra, owner):
        {body}
"""


@pytest.mark.parametrize(("body", "severity"), [
    ('self._conn.execute(f"SELECT * FROM {self._notes_table} WHERE owner = %s", (owner,))', Severity.LOW),
    ('q = f"SELECT * FROM {self._notes_table}"\n        self._conn.execute(q)', Severity.LOW),
    ('self._conn.execute(f"SELECT * FROM notes WHERE {extra}")', Severity.MEDIUM),
    ('self._conn.execute(f"SELECT * FROM {self._notes_table} WHERE {extra}")', Severity.MEDIUM),
], ids=["parameters-apart", "table-name-only", "unknown-fragment", "table-and-unknown-fragment"])
def test_sql_text_of_unknown_origin(tmp_path: Path, body: str, severity: Severity) -> None:
    result = audit(tmp_path / "project", {"notes.py": SERVICE.format(body=body)})
    assert [f.severity for f in result.findings if f.rule_id == "AS801"] == [severity]


def test_request_data_in_a_parameterised_query_is_still_reported(tmp_path: Path) -> None:
    app = ("import sqlite3\nfrom flask import Flask, request\napp = Flask(__name__)\n\n\n@app.route('/n')\n"
           "def n():\n    db = sqlite3.connect('n.db')\n"
           "    return str(db.execute(f\"SELECT * FROM notes WHERE tag = '{request.args['t']}' AND id = ?\", (1,))"
           ".fetchall())\n")
    result = audit(tmp_path / "project", {"app.py": app})
    assert [f.severity for f in result.findings if f.rule_id == "AS801"] == [Severity.CRITICAL]


def test_flask_sqlalchemy_text_is_a_sql_sink(tmp_path: Path) -> None:
    app = ("from flask import Flask, request\nfrom flask_sqlalchemy import SQLAlchemy\napp = Flask(__name__)\n"
           "db = SQLAlchemy(app)\n\n\n@app.route('/login', methods=['POST'])\ndef login():\n"
           "    sql = f\"SELECT * FROM user WHERE email = '{request.form.get('email')}'\"\n"
           "    return str(User.query.from_statement(db.text(sql)).first())\n")
    result = audit(tmp_path / "project", {"app.py": app})
    assert any(f.rule_id == "AS801" and f.severity >= Severity.HIGH for f in result.findings)
