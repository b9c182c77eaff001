"""A login that hashes the typed password only to select the account by it (``SELECT ... WHERE username = '...' AND
password = '<hash>'``) checks a password and keeps none: no password rule (AS610) belongs there. A registration that
hashes the same way and inserts the row keeps whatever is posted and is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """\
from util import md5_hash
import sqlite3
from flask import Flask, request
app = Flask(__name__)
db = sqlite3.connect("app.db", check_same_thread=False)
@app.route("/{route}", methods=["POST"])
def {route}():
    password = request.form.get("password", "")
    hashed = md5_hash(password)
{body}
"""
_LOGIN = r"""    name = request.form["username"]
    query = "SELECT * FROM users WHERE username='" + name + "' AND password='" + hashed + "'"
    row = db.execute(query).fetchone()
    return "ok" if row else "no"
"""
_REGISTER = r"""    name = request.form["username"]
    db.execute("INSERT INTO users (username, password) VALUES (?, ?)", (name, hashed))
    db.commit()
    return "ok"
"""


@pytest.mark.parametrize(("route", "body", "reported"), [
    ("login", _LOGIN, False),  # must stay quiet: the hash only selects the account
    ("register", _REGISTER, True),  # must fire: the hash of whatever is posted is stored
])
def test_a_sign_in_selecting_by_the_hash_keeps_no_password(tmp_path: Path, route: str, body: str,
                                                           reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(route=route, body=body)})
    assert any(f.rule_id == "AS610" for f in result.findings) is reported
