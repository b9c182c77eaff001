"""An account the code creates with a password written in the source (AS611): a literal given to a
password-hashing or -setting call, written by an INSERT into the password column, or compared by a login with the
password the request typed. A hash made only to keep a
login's timing even, an unusable marker, a value from the environment and test code stay quiet. A settings name
ending in ``_PASS`` and a literal account pair whose password reads like a field name (``"password"``) are AS603's."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity

from .helpers import audit

HEAD = ("import os\nimport sqlite3\nimport bcrypt\nfrom passlib.context import CryptContext\n"
        "from werkzeug.security import generate_password_hash\n"
        "pwd_context = CryptContext(schemes=['argon2'])\n")


@pytest.mark.parametrize("line", [
    "USERS = {'admin': generate_password_hash('admin')}",
    "ADMIN = {'name': 'root', 'hash': pwd_context.hash('letmein123')}",
    "SEED = bcrypt.hashpw(b'changeme', bcrypt.gensalt())",
    "def seed(user):\n    user.set_password('admin')\n    user.save()",
    "def seed(db):\n    db.execute(\"INSERT INTO users (id, username, password) VALUES (1, 'admin', 'admin123')\")",
    "def seed(db):\n    db.execute('INSERT INTO users (username, password) VALUES (?, ?)', ('admin', 'hunter22'))",
], ids=["werkzeug", "passlib-context", "bcrypt", "set-password", "insert-inline", "insert-params"])
def test_a_fixed_password_given_to_an_account_is_reported(tmp_path: Path, line: str) -> None:
    result = audit(tmp_path / "project", {"seed.py": HEAD + line + "\n"})
    assert [f.rule_id for f in result.findings if f.rule_id == "AS611"] == ["AS611"]


@pytest.mark.parametrize(("path", "line"), [
    ("seed.py", "DUMMY_HASH = generate_password_hash('not-a-real-password')"),
    ("seed.py", "def login_timing():\n    return pwd_context.hash('x' * 12)"),
    ("seed.py", "def make(user):\n    user.set_password(os.environ['ADMIN_PASSWORD'])"),
    ("seed.py", "def lock(user):\n    user.set_password('!')"),
    ("seed.py", "def seed(db, pw):\n    db.execute('INSERT INTO users (username, password) VALUES (?, ?)', "
                "('admin', pw))"),
    ("tests/test_login.py", "USERS = {'admin': generate_password_hash('admin')}"),
], ids=["dummy-name", "timing-function", "environment", "unusable", "parameter", "test-code"])
def test_hashes_that_make_no_account_stay_quiet(tmp_path: Path, path: str, line: str) -> None:
    result = audit(tmp_path / "project", {path: HEAD + line + "\n"})
    assert not [f for f in result.findings if f.rule_id == "AS611"]


@pytest.mark.parametrize(("line", "found"), [
    ("ADMIN_PASS = 'password123'", True),
    ("DEFAULT_ADMIN = {'username': 'admin', 'password': 'password'}", True),
    ("FIELDS = {'password': 'password', 'email': 'email'}", False),  # a field mapping, no account
    ("COMPASS = 'north-by-west'", False),
])
def test_credentials_named_pass_and_literal_account_pairs(tmp_path: Path, line: str, found: bool) -> None:
    result = audit(tmp_path / "project", {"config.py": line + "\n"})
    assert bool([f for f in result.findings if f.rule_id == "AS603"]) is found


@pytest.mark.parametrize("code", [
    "def create_sample_data(db):\n    db.add(User(name='adam', hash=generate_password_hash('adam')))",
    "import faker\ndef seed(db):\n    db.add(User(name=faker.Faker().name(), hash=generate_password_hash('pw123')))",
    "import click\ndef seed_logic(db):\n    db.add(User(hash=generate_password_hash('admin123')))\n"
    "@click.command('seed')\ndef seed():\n    seed_logic(None)",
    "class Command:\n    help = 'Generate 25 random items and sublets for testing'\n\n"
    "    def handle(self, *args, **options):\n        user = User()\n        user.set_password('testpassword123')",
], ids=["sample-data", "faker", "helper-of-a-command", "test-data-management-command"])
def test_accounts_only_a_developer_makes_are_low(tmp_path: Path, code: str) -> None:
    result = audit(tmp_path / "project", {"seed.py": HEAD + "User = dict\n" + code + "\n"})
    assert [f.severity for f in result.findings if f.rule_id == "AS611"] == [Severity.LOW]


_LOGIN = """\
import hmac
from flask import Flask, request, session

app = Flask(__name__)


@app.post("/admin/login")
def admin_login():
    username = request.form["username"]
    password = request.form["password"]
{check}
        session["admin"] = True
    return "ok"
"""


@pytest.mark.parametrize(("check", "line"), [
    ("    if username == 'admin' and password == 'password':", 11),  # must fire: the account's password in the code
    ("    if hmac.compare_digest(request.form['password'], 's3cret-admin'):", 11),
    ("    if password != '' and username == 'admin':", None),  # must stay quiet: an emptiness test
    ("    if password == request.form['confirm']:", None),  # two typed values
    ("    if username == 'admin' and check(password):", None),  # a verifier, whatever it compares
])
def test_a_login_comparing_the_typed_password_with_a_literal(tmp_path: Path, check: str, line: int | None) -> None:
    found = [f.location.line for f in audit(tmp_path, {"app.py": _LOGIN.format(check=check)}).findings
             if f.rule_id == "AS611" and f.location]
    assert found == ([line] if line else [])


def test_a_command_that_makes_the_first_administrator_is_reported(tmp_path: Path) -> None:
    """A management command whose description names no test or sample data (``createadmin``) ships the account."""
    code = ("class Command:\n    help = 'Create the first administrator account'\n\n"
            "    def handle(self, *args, **options):\n        user = User()\n        user.set_password('admin123')")
    result = audit(tmp_path / "project", {"seed.py": HEAD + "User = dict\n" + code + "\n"})
    assert [f.severity for f in result.findings if f.rule_id == "AS611"] == [Severity.HIGH]
