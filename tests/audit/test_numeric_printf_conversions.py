"""A value formatted into SQL by a numeric printf conversion (``'... WHERE id=%d' % uid``) is a number or a
``TypeError``: it cannot carry a quote, so it is no SQL injection (AS801). A ``%s`` beside it, a mapping
(``%(id)s``) or a ``%r`` still is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.get("/users")
def user():
    uid = request.args["id"]
    name = request.args.get("name", "")
    cur = sqlite3.connect("app.db").cursor()
    cur.execute({query})
    return {{"row": cur.fetchone()}}
"""


@pytest.mark.parametrize(("query", "reported"), [
    ("'SELECT id, username FROM user WHERE id=%d' % uid", False),
    ("'SELECT * FROM t WHERE id=%d AND score > %.2f' % (uid, float(name or 0))", False),
    ("'SELECT * FROM t WHERE id=%05i' % (uid,)", False),
    ("'SELECT * FROM t WHERE id=%s' % uid", True),
    ("'SELECT * FROM t WHERE id=%d AND name=%s' % (uid, name)", True),
    ("'SELECT * FROM t WHERE name=%(n)s' % {'n': name}", True),
    ("'SELECT * FROM t WHERE name=%r' % name", True),
], ids=["d", "d-and-f", "padded-i", "s", "d-and-s", "mapping", "repr"])
def test_numeric_conversions_cannot_inject(tmp_path: Path, query: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(query=query)})
    assert any(f.rule_id == "AS801" for f in result.findings) is reported
