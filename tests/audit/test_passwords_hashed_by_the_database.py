"""A query that has the database hash the password (``SHA2(%s, 512)``, ``MD5(…)``, pgcrypto's ``crypt``) stores a
digest, not the typed password: no plain-text finding (AS608). A fast unsalted digest is weak password hashing
(AS604); a salted ``crypt(…, gen_salt('bf'))`` is neither; a query that stores the password as typed is still
plain text, and a digest of something else is no password hashing."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

APP = '''from flask import Flask, request

app = Flask(__name__)


@app.route("/register", methods=["POST"])
def register():
    username = request.form["username"]
    password = request.form["password"]
    cur = db.cursor()
    cur.execute({query}, (username, password))
    return "ok"
'''


@pytest.mark.parametrize(("query", "plain", "weak"), [
    ('"INSERT INTO users (username, password) VALUES (%s, SHA2(%s, 512))"', False, True),
    ('"INSERT INTO users (username, password) VALUES (%s, MD5(%s))"', False, True),
    ("\"INSERT INTO users (username, password) VALUES (%s, crypt(%s, gen_salt('bf')))\"", False, False),
    ('"INSERT INTO users (username, password) VALUES (%s, %s)"', True, False),
])
def test_a_password_the_database_hashes_is_no_plain_text(tmp_path: Path, query: str, plain: bool,
                                                          weak: bool) -> None:
    found = audit(tmp_path, {"app.py": APP.format(query=query)}).findings
    assert any(f.rule_id == "AS608" and f.severity >= Severity.MEDIUM for f in found) is plain
    assert any(f.rule_id == "AS604" and f.severity >= Severity.MEDIUM for f in found) is weak


def test_a_digest_of_something_else_is_no_password_hashing(tmp_path: Path) -> None:
    source = ("from flask import Flask\napp = Flask(__name__)\n\n@app.route('/avatars')\ndef avatars():\n"
              "    return str(db.cursor().execute('SELECT MD5(email) FROM profiles').fetchall())\n")
    assert not [f for f in audit(tmp_path, {"app.py": source}).findings if f.rule_id == "AS604"]
