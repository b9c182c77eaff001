"""A schema or session statement (``CREATE DATABASE``, ``ALTER TABLE``, ``DROP TABLE``, ``PRAGMA``, ``SET
search_path``) formatted from a value of unknown origin names identifiers no bound parameter could carry: it is the
program's own schema work, not a sink-only SQL finding (AS801). A query (``SELECT``) formatted the same way is still
reported, and so is any statement request data reaches."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = '''import json
import sqlite3

from flask import Flask, request
from sqlalchemy import text


app = Flask(__name__)


@app.post("/setup")
def setup():
    conn = sqlite3.connect("app.db")
    name = {value}
    conn.execute({statement})
    return "ok"
'''


_UNKNOWN = 'json.load(open("names.json"))["table"]'  # neither a literal nor request data


@pytest.mark.parametrize(("value", "statement", "reported"), [
    # must stay quiet: the program's own schema and session statements
    (_UNKNOWN, 'f"CREATE TABLE IF NOT EXISTS {name} (id INTEGER)"', False),
    (_UNKNOWN, '"ALTER TABLE %s ADD COLUMN note TEXT" % name', False),
    (_UNKNOWN, 'text("SET search_path = " + name)', False),
    (_UNKNOWN, '"DROP TABLE {}".format(name)', False),
    # must fire: a query, or request data in a schema statement
    (_UNKNOWN, 'f"SELECT * FROM items WHERE owner = \'{name}\'"', True),
    ("request.form['table']", 'f"DROP TABLE {name}"', True),
])
def test_schema_statements_of_the_program(tmp_path: Path, value: str, statement: str, reported: bool) -> None:
    source = _APP.format(value=value, statement=statement)
    result = audit(tmp_path, {"pkg/__init__.py": "", "pkg/app.py": source})
    assert any(f.rule_id == "AS801" and f.severity.name != "LOW" for f in result.findings) is reported
