"""A connection URL with its password is medium (usable all the same), except as the fallback of an environment
variable that names this machine (``os.getenv``, a settings class, a django-environ scheme): the deployment sets the
real URL, and the fallback opens only the developer's own database. A fallback naming another host, or a URL assigned
outright, stays medium."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit


def _assert_as603(root: Path, files: dict[str, str], medium: bool, what: str = "the URL") -> None:
    found = [f for f in audit(root, files).findings if f.rule_id == "AS603"]
    assert found, f"{what} is always listed"
    assert any(f.severity >= Severity.MEDIUM for f in found) is medium


@pytest.mark.parametrize(("line", "medium"), [
    ('DATABASE_URL = os.getenv("DATABASE_URL", "postgres://app:app@localhost:5435/app_dev")', False),
    ('DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://app:app@127.0.0.1/app")', False),
    ('DATABASE_URL = os.getenv("DATABASE_URL", "postgres://app:s3cret@db.example.com/app")', True),
    ('DATABASE_URL = "postgres://app:app@localhost:5435/app_dev"', True),
])
def test_local_development_fallback_urls_are_low(tmp_path: Path, line: str, medium: bool) -> None:
    _assert_as603(tmp_path, {"settings.py": f"import os\n\n{line}\n"}, medium)


@pytest.mark.parametrize(("scheme", "medium"), [
    # must stay quiet (low): django-environ's scheme names the fallback the environment replaces
    ('DATABASE_URL=(str, "postgis://app:app@localhost/app")', False),
    # must fire: the fallback names another host, or the tuple is not a scheme entry of environ.Env
    ('DATABASE_URL=(str, "postgis://app:s3cret@db.example.com/app")', True),
])
def test_django_environ_scheme_defaults_for_this_machine_are_low(tmp_path: Path, scheme: str, medium: bool) -> None:
    source = f"import environ\n\nenv = environ.Env(\n    DEBUG=(bool, False),\n    {scheme},\n)\n"
    _assert_as603(tmp_path, {"settings.py": source}, medium)


@pytest.mark.parametrize(("line", "medium"), [
    # must stay quiet (low): the fallback of a django-environ reader or an environment read, by keyword or position
    ('DATABASES = {"default": env.db("DATABASE_URL", default="postgres://app:app@localhost:5432/app")}', False),
    ('CACHE_URL = env.str("CACHE_URL", "redis://app:app@127.0.0.1:6379/0")', False),
    ('BROKER_URL = os.getenv("BROKER_URL", default="amqp://app:app@localhost:5672/")', False),
    # must fire: another host, or a reader of something that is no environment
    ('DATABASES = {"default": env.db("DATABASE_URL", default="postgres://app:s3cret@db.example.com/app")}', True),
    ('DATABASES = {"default": dj.parse("DATABASE_URL", default="postgres://app:app@localhost:5432/app")}', True),
])
def test_fallbacks_of_environment_readers_for_this_machine_are_low(tmp_path: Path, line: str, medium: bool) -> None:
    source = f"import os\n\nimport environ\nimport dj\n\nenv = environ.Env()\n{line}\n"
    _assert_as603(tmp_path, {"settings.py": source}, medium)


def test_a_tuple_outside_an_environ_scheme_stays_medium(tmp_path: Path) -> None:
    source = 'DATABASES = dict(default=(str, "postgis://app:app@localhost/app"))\n'
    result = audit(tmp_path, {"settings.py": source})
    assert any(f.rule_id == "AS603" and f.severity >= Severity.MEDIUM for f in result.findings)


@pytest.mark.parametrize(("main_block", "medium"), [
    # must stay quiet (low): a table-creation snippet run by hand on the developer's machine
    ('engine = create_engine("postgresql://web1:web1@localhost/web1")\n    metadata.create_all(engine)', False),
    # must fire: the block serves the app with that database, or the URL names another host
    ('engine = create_engine("postgresql://web1:web1@localhost/web1")\n    app.run(port=8080)', True),
    ('engine = create_engine("postgresql://web1:s3cret@db.example.com/web1")\n    metadata.create_all(engine)', True),
])
def test_urls_in_a_script_block_that_serves_nothing_are_low(tmp_path: Path, main_block: str, medium: bool) -> None:
    source = f"from sqlalchemy import create_engine\n\nif __name__ == '__main__':\n    {main_block}\n"
    _assert_as603(tmp_path, {"models.py": source}, medium)


@pytest.mark.parametrize(("decorator", "medium"), [
    ("@cli.command('seed_db')", False),   # must stay quiet (low): a developer's seeding command
    ("@manager.command", False),
    ("@app.route('/seed')", True),        # must fire: the served app creates the account
])
def test_sample_accounts_of_a_developers_command_are_low(tmp_path: Path, decorator: str, medium: bool) -> None:
    source = ("from flask.cli import FlaskGroup\nfrom app import app, db, User\ncli = FlaskGroup(app)\n\n"
              f"{decorator}\ndef seed():\n    db.session.add(User(username='michael', password='supersecret'))\n")
    _assert_as603(tmp_path, {"manage.py": source}, medium, "the credential")
