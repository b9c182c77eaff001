"""AS608 through a database helper: a function whose SQL writes (or selects by) its own password parameter as
given (``def insert_user(self, username, password)`` running ``INSERT ... VALUES ('{password}')``) stores a typed
password when a handler hands it the request's password unchanged, and is reported at its SQL. The same helper
given a hash, or never called with the typed password, is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

DB = '''import sqlite3


class Database:
    def __init__(self):
        self.conn = sqlite3.connect("shop.db")
        self.cursor = self.conn.cursor()

    def insert_user(self, username, email, password, is_admin=0):
        self.cursor.execute(f"""INSERT INTO users(username, email, password, is_admin)
                            VALUES("{username}", "{email}", "{password}", {is_admin})""")
        self.conn.commit()

    def find_user(self, username, password):
        query = f"SELECT * FROM users WHERE username = '{username}' and password='{password}'"
        return self.cursor.execute(query).fetchone()
'''

APP = '''from flask import Flask, request, redirect
from werkzeug.security import generate_password_hash

from dbwrappers import Database

app = Flask(__name__)
db = Database()


@app.route("/register", methods=["POST"])
def register():
    username = request.form["username"]
    password = request.form["password"]
{body}
    return redirect("/login")
'''


@pytest.mark.parametrize(("body", "line"), [
    ('    db.insert_user(username, request.form["email"], password)', 10),
    ("    db.insert_user(username, email=None, password=password)", 10),
    ("    db.find_user(username, password)", 16),
    ('    db.insert_user(username, request.form["email"], generate_password_hash(password))', None),
    ('    hashed = generate_password_hash(password)\n    db.insert_user(username, "", hashed)', None),
    ("    db.insert_user(username, password, 'x')", None),  # the typed password goes to the e-mail column
])
def test_password_stored_through_a_helper(tmp_path: Path, body: str, line: int | None) -> None:
    result = audit(tmp_path, {"dbwrappers.py": DB, "app.py": APP.format(body=body)})
    lines = [f.location.line for f in result.findings if f.rule_id == "AS608" and f.location
             and f.location.path.endswith("dbwrappers.py")]
    assert lines == ([line] if line else [])
