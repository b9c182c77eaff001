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


BOUND = '''from sqlalchemy import text

from db import db


def insert_user(username, password):
    sql = text("INSERT INTO users (username, password) VALUES (:username, :password)")
    db.session.execute(sql, {"username": username, "password": password})
    db.session.commit()
'''

BOUND_APP = '''from flask import Flask, request, redirect
from werkzeug.security import generate_password_hash

from database import insert_user

app = Flask(__name__)


@app.route("/register", methods=["POST"])
def register():
    password = request.form["password"]
    insert_user(request.form["username"], {password})
    return redirect("/login")
'''


@pytest.mark.parametrize(("password", "reported"), [
    ("password", True),  # must fire: the typed password bound into SQLAlchemy's text() INSERT
    ("generate_password_hash(password)", False),  # must stay quiet: a hash is bound
])
def test_password_bound_into_a_text_statement_of_a_helper(tmp_path: Path, password: str, reported: bool) -> None:
    result = audit(tmp_path, {"database.py": BOUND, "db.py": "db = None\n",
                              "app.py": BOUND_APP.format(password=password)})
    lines = [f.location.line for f in result.findings if f.rule_id == "AS608" and f.location
             and f.location.path.endswith("database.py")]
    assert lines == ([8] if reported else [])


RUNNER_DB = '''from .conn import db_query


def create_user(username, password):
    query = "INSERT INTO users (username, password) VALUES ('" + username + "', '" + {stored} + "');"
    db_query(query)
'''

RUNNER_VIEWS = '''from flask import Flask, request

from .handlers import create_user

app = Flask(__name__)


@app.post("/register")
def register():
    create_user(request.form["username"], request.form["password"])
    return "ok"
'''


def test_a_statement_handed_to_the_projects_own_runner_is_stored_in_its_own_twin_only(tmp_path: Path) -> None:
    """The statement kept in a local and run by the project's ``db_query(query)``; of two twins each defining
    ``create_user`` (the plain one and a fixed one that hashes), the caller's own folder's is the one it calls."""
    files = {"app/__init__.py": "", "app/conn.py": "def db_query(q):\n    return q\n",
             "app/handlers.py": RUNNER_DB.format(stored="password"), "app/views.py": RUNNER_VIEWS,
             "app_sec/__init__.py": "", "app_sec/conn.py": "def db_query(q):\n    return q\n",
             "app_sec/handlers.py": RUNNER_DB.format(stored="password"),
             "app_sec/views.py": RUNNER_VIEWS.replace('request.form["password"]',
                                                      'hash_password(request.form["password"])')}
    found = {(f.location.path, f.location.line) for f in audit(tmp_path, files).findings
             if f.rule_id == "AS608" and f.location}
    assert found == {("app/handlers.py", 6)}


def test_a_service_of_the_same_name_that_hashes_first_is_no_store_of_the_typed_password(tmp_path: Path) -> None:
    """The route calls ``user_service.register_user(username, password)``, which hashes and hands the hash to
    ``user_repository.register_user``: a call by a name some function defines to hash is not taken for the
    repository's (must stay quiet); with no hashing service of that name it is (must fire)."""
    repository = BOUND.replace("def insert_user", "def register_user")
    service = ("from werkzeug.security import generate_password_hash\nfrom database import register_user as store\n\n\n"
               "def register_user(username, password):\n    return store(username, generate_password_hash(password))\n")
    app = BOUND_APP.format(password="password").replace("from database import insert_user",
                                                         "from service import register_user").replace(
        "insert_user(", "register_user(")
    for with_service, expected in ((True, []), (False, [8])):
        files = {"database.py": repository, "db.py": "db = None\n", "app.py": app}
        if with_service:
            files["service.py"] = service
        root = tmp_path / str(with_service)
        lines = [f.location.line for f in audit(root, files).findings if f.rule_id == "AS608" and f.location
                 and f.location.path.endswith("database.py")]
        assert lines == expected
