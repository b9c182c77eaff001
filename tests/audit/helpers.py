"""Small helpers shared by the audit tests: write a throw-away project and audit it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from apishield.audit.config import AuditConfig
from apishield.audit.engine import AuditResult, run

#: a Flask app whose one route sends anyone without a session to the login page: an app that knows its users, for
#: tests to add the route under test to
SIGNED_IN_NOTES_APP = """\
import sqlite3
from flask import Flask, redirect, request, session, url_for
app = Flask(__name__)
app.secret_key = read_key()


@app.route('/notes')
def notes():
    if 'id' not in session:
        return redirect(url_for('login'))
    return list_notes(session['id'])


"""

#: two Flask session decorators for tests to guard a route with: ``login_required`` refuses the anonymous,
#: ``admin_required`` also every role but ``admin`` (the module needs ``wraps``, ``abort`` and ``session`` imported)
ROLE_DECORATORS = """\
def login_required(f):
    @wraps(f)
    def inner(*a, **k):
        if "user" not in session:
            abort(401)
        return f(*a, **k)
    return inner


def admin_required(f):
    @wraps(f)
    def inner(*a, **k):
        if "user" not in session:
            abort(401)
        if session.get("role") != "admin":
            abort(403)
        return f(*a, **k)
    return inner
"""

#: a Django settings module with sessions and the usual middleware; ``apps`` and ``middleware`` are added at the ends
#: of their lists (one entry a line, each ending in a newline), ``extra`` after them
DJANGO_SETTINGS = """\
SECRET_KEY = os.environ["SECRET_KEY"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.sessions",
{apps}]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
{middleware}]
{extra}"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def audit(root: Path, files: dict[str, str] | None = None, config: AuditConfig | None = None) -> AuditResult:
    if files:
        write(root, files)
    return run([str(root)], config or AuditConfig(), jobs=1)


def ids(result: AuditResult) -> set[str]:
    return {f.rule_id for f in result.findings}


def lines_of(result: AuditResult, rule_id: str) -> list[int]:
    return sorted(f.location.line for f in result.findings if f.rule_id == rule_id and f.location)
