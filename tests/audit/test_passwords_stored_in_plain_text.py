"""AS608: a password read from the request that reaches storage unchanged (an INSERT/UPDATE naming a password
column, a model built with ``password=``, ``user.password = pw``, a record put in a store) is reported; one passed
through a hash first, or only compared (a login's query), is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_FLASK = """\
import sqlite3
from flask import Flask, request
from werkzeug.security import generate_password_hash
app = Flask(__name__)
USERS = {{}}


@app.route('/register', methods=['POST'])
def register():
    username = request.form['username']
    password = request.form['password']
{body}
    return 'ok'
"""


@pytest.mark.parametrize(("body", "reported"), [
    # must fire: the typed password is stored
    ("    db = sqlite3.connect('a.db')\n    db.execute('INSERT INTO users (username, password) VALUES (?, ?)', "
     "(username, password))", True),
    ("    db = sqlite3.connect('a.db')\n    db.execute(f\"INSERT INTO users VALUES ('{username}', '{password}')\")",
     True),
    ("    user = User(username=username, password=password)\n    session.add(user)", True),
    ("    user = User.query.get(1)\n    user.password = password", True),
    ("    USERS[username] = {'username': username, 'password': password}", True),
    ("    data = request.get_json()\n    USERS_LIST.append({'name': data['name'], 'password': data['password']})",
     True),
    # must stay quiet: hashed first, or only compared
    ("    hashed = generate_password_hash(password)\n    db = sqlite3.connect('a.db')\n"
     "    db.execute('INSERT INTO users (username, password) VALUES (?, ?)', (username, hashed))", False),
    ("    password = generate_password_hash(password)\n    user = User(username=username, password=password)", False),
    ("    user = User(username=username, password=generate_password_hash(password))", False),
    ("    row = sqlite3.connect('a.db').execute('SELECT * FROM users WHERE username = ? AND password = ?', "
     "(username, password)).fetchone()", False),
    ("    user = User.query.filter_by(username=username, password=password).first()", False),
    ("    ok = check_password_hash(USERS[username]['hash'], password)", False),
])
def test_a_password_stored_as_typed_is_reported(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _FLASK.format(body=body)})
    assert any(f.rule_id == "AS608" for f in result.findings) is reported


def test_a_body_models_password_stored_as_given_is_reported(tmp_path: Path) -> None:
    source = ("from fastapi import FastAPI\nfrom pydantic import BaseModel\napp = FastAPI()\n"
              "class SignUp(BaseModel):\n    email: str\n    password: str\n\n"
              "@app.post('/users')\ndef create(body: SignUp):\n"
              "    db.add(UserRow(email=body.email, password=body.password))\n    return {'ok': True}\n\n"
              "@app.post('/users2')\ndef create2(body: SignUp):\n"
              "    db.add(UserRow(email=body.email, password=pwd_context.hash(body.password)))\n"
              "    return {'ok': True}\n")
    result = audit(tmp_path, {"main.py": source})
    assert [f.location.line for f in result.findings if f.rule_id == "AS608" and f.location] == [10]


def test_a_model_that_hashes_what_it_is_given_stores_no_raw_password(tmp_path: Path) -> None:
    """``User(password=pw)`` and ``user.password = pw`` go through the model's setter, which hashes; a raw INSERT
    beside it still stores the typed value."""
    models = ("from werkzeug.security import generate_password_hash\nclass User(db.Model):\n"
              "    @property\n    def password(self):\n        raise AttributeError\n\n"
              "    @password.setter\n    def password(self, value):\n"
              "        self.password_hash = generate_password_hash(value)\n")
    views = _FLASK.format(body="    user = User(username=username, password=password)\n"
                               "    user.password = password\n"
                               "    sqlite3.connect('a.db').execute('UPDATE legacy SET passwd = ? WHERE name = ?', "
                               "(password, username))")
    result = audit(tmp_path, {"models.py": models, "app.py": views})
    assert [f.location.line for f in result.findings if f.rule_id == "AS608" and f.location] == [14]


def test_connection_credentials_are_not_stored_passwords(tmp_path: Path) -> None:
    source = ("import asyncpg\nasync def init(app, config):\n"
              "    app['db'] = await asyncpg.create_pool(user=config['user'], password=config['password'])\n")
    assert not [f for f in audit(tmp_path, {"db.py": source}).findings if f.rule_id == "AS608"]
