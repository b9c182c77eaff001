"""AS608: a password read from the request that reaches storage unchanged (an INSERT/UPDATE naming a password
column, a model built with ``password=``, ``user.password = pw``, a record put in a store) is reported, and so is a
login that finds the account by the typed password (a query or lookup by equality only works on a plain store) and
a fixed password an INSERT writes as is; one passed through a hash first, or compared with another typed value or a
hash, is not."""

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
    ("    db = sqlite3.connect('a.db')\n    password = request.form.get('password', '').strip()\n"
     "    db.execute('INSERT INTO users (username, password) VALUES (?, ?)', (username, password))", True),
    ("    password_plain = request.form.get('parola', '')\n    db = sqlite3.connect('a.db')\n"
     "    db.execute('INSERT INTO users (username, password) VALUES (?, ?)', (username, password_plain))", True),
    ("    query = f\"INSERT INTO users (username, password) VALUES ('{username}', '{password}')\"\n"
     "    sqlite3.connect('a.db').execute(query)", True),
    ("    conn = sqlite3.connect('a.db')\n    cur = conn.cursor()\n"
     "    query = f\"INSERT INTO users (username, password) VALUES ('{username}', '{password}');\"\n"
     "    cur.executescript(query)", True),
    # must fire: the login finds the account by the typed password, so the store holds it as typed
    ("    row = sqlite3.connect('a.db').execute('SELECT * FROM users WHERE username = ? AND password = ?', "
     "(username, password)).fetchone()", True),
    ("    user = User.query.filter_by(username=username, password=password).first()", True),
    ("    row = db.users.find_one({'username': username, 'password': password})", True),
    ("    user = User.objects.get(username=username, password=password)", True),
    ("    found = User.objects.filter(username=username, password=password).exists()", True),
    ("    user = USERS.get(username)\n    if user and user['password'] == password:\n        return 'in'", True),
    # must fire: a fixed password written as is
    ("    db = sqlite3.connect('a.db')\n"
     "    db.execute(\"INSERT INTO users (username, password) VALUES (?, ?)\", ('admin', 'admin123'))", True),
    ("    db = sqlite3.connect('a.db')\n    seeded = 'kissa'\n    pwd = 'kissa'\n"
     "    db.execute(\"INSERT INTO users (id, username, pwd) VALUES (?, ?, ?)\", (1, 'maija', pwd))", True),
    ("    sqlite3.connect('a.db').execute(\"INSERT OR IGNORE INTO users (id, username, password) "
     "VALUES (1, 'alice', 'password123')\")", True),
    # must stay quiet: hashed first, or compared with something else than the stored value
    ("    hashed = generate_password_hash(password)\n    db = sqlite3.connect('a.db')\n"
     "    db.execute('INSERT INTO users (username, password) VALUES (?, ?)', (username, hashed))", False),
    ("    password = generate_password_hash(password)\n    user = User(username=username, password=password)", False),
    ("    user = User(username=username, password=generate_password_hash(password))", False),
    ("    ok = check_password_hash(USERS[username]['hash'], password)", False),
    ("    user = User.objects.get(username=username)\n    ok = user.check_password(password)", False),
    ("    login_data = LoginSerializer(username=username, password=password)\n    token = login_user(login_data)",
     False),
    ("    if password != request.form['confirm_password']:\n        return 'no'", False),
    ("    user = USERS.get(username)\n    if user and user['password'] == hash_of(password):\n        return 'in'",
     False),
    ("    db = sqlite3.connect('a.db')\n    db.execute(\"INSERT INTO users (username, password) VALUES (?, ?)\", "
     "('admin', '$2b$12$abcdefghijklmnopqrstuv'))", False),
    ("    row = sqlite3.connect('a.db').execute('SELECT * FROM users WHERE username = ? AND password = ?', "
     "(username, generate_password_hash(password))).fetchone()", False),
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


@pytest.mark.parametrize("values", ["('%s', '%s')\" % (username, hashed)", "('{username}', '{hashed}')\""])
def test_placeholders_in_an_insert_are_not_fixed_passwords(tmp_path: Path, values: str) -> None:
    prefix = "f" if "{" in values else ""
    body = (f"    hashed = generate_password_hash(password)\n    db = sqlite3.connect('a.db')\n"
            f"    db.execute({prefix}\"INSERT INTO users (username, password) VALUES {values})")
    result = audit(tmp_path, {"app.py": _FLASK.format(body=body)})
    assert not any(f.rule_id == "AS608" for f in result.findings)


@pytest.mark.parametrize("body", [
    # a module that hashes passwords: an equality check with the stored value is a broken check, not a plain store
    "    stored = generate_password_hash('seed')\n    user = USERS.get(username)\n"
    "    if user and user['password'] == password:\n        return 'in'",
    # a column named for a hash holds hashes, whatever the query compares it with
    "    q = f\"SELECT * FROM users WHERE username = '{username}' AND password_hash = '{password}'\"\n"
    "    row = sqlite3.connect('a.db').execute(q).fetchone()",
])
def test_an_equality_check_is_no_proof_where_hashes_are_stored(tmp_path: Path, body: str) -> None:
    source = _FLASK.format(body=body).replace("from werkzeug.security import generate_password_hash\n", "")
    if "generate_password_hash('seed')" in body:
        source = "from werkzeug.security import generate_password_hash\n" + source
    result = audit(tmp_path, {"app.py": source})
    assert not any(f.rule_id == "AS608" for f in result.findings)
