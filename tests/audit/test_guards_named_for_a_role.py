"""A guard's name is a promise, its body is what it does. The project's own ``@admin_required`` that only turns away
callers nobody signed in as leaves every route it guards open to any signed-in user: AS103 on the privileged routes
and once at the guard's definition. A guard that tests the role, itself or through a helper, stays quiet, and so does
a role guard the project imports from a library (its body is not there to read)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """\
from functools import wraps
from flask import Flask, abort, jsonify, redirect, session
app = Flask(__name__)
app.secret_key = read_key()


def login_required(f):
    @wraps(f)
    def wrapper(*args, **kwargs):
        if 'user_id' not in session:
            return redirect('/login')
        return f(*args, **kwargs)
    return wrapper


{guard}


@app.route('/admin/users')
@admin_required
def admin_users():
    return jsonify(list_users())


@app.route('/admin/users/<int:user_id>', methods=['DELETE'])
@admin_required
def admin_delete_user(user_id):
    delete_user(user_id)
    return jsonify({{'deleted': user_id}})
"""

ONLY_SIGNED_IN = """\
def admin_required(f):
    @wraps(f)
    def wrapper(*args, **kwargs):
        if 'user_id' not in session:
            return redirect('/login')
        return f(*args, **kwargs)
    return wrapper
"""

CHECKS = {
    "a session flag naming the role": """\
def admin_required(f):
    @wraps(f)
    def wrapper(*args, **kwargs):
        if 'user_id' not in session:
            return redirect('/login')
        if not session.get('is_admin'):
            abort(403)
        return f(*args, **kwargs)
    return wrapper
""",
    "a helper that tests the role": """\
def user_is_admin(uid):
    return load_user(uid).role == 'admin'


def admin_required(f):
    @wraps(f)
    def wrapper(*args, **kwargs):
        if 'user_id' not in session:
            return redirect('/login')
        if not user_is_admin(session['user_id']):
            abort(403)
        return f(*args, **kwargs)
    return wrapper
""",
    "a library's role guard": "from flask_security import roles_required as admin_required  # noqa",
}


def _as103(tmp_path: Path, guard: str) -> list[tuple[int, str]]:
    result = audit(tmp_path, {"app.py": _APP.format(guard=guard)})
    return [(f.location.line, f.message) for f in result.findings if f.rule_id == "AS103" and f.location]


def test_a_role_named_guard_that_only_checks_the_sign_in_is_reported_at_its_routes_and_its_definition(
        tmp_path: Path) -> None:
    found = _as103(tmp_path, ONLY_SIGNED_IN)
    source = _APP.format(guard=ONLY_SIGNED_IN).splitlines()
    definition = source.index("def admin_required(f):") + 1
    assert any(line == definition and "2 route(s)" in message for line, message in found)
    routes = [line for line, message in found if "is privileged but only checks authentication" in message]
    assert len(routes) == 2
    assert all("named for a role" in message for _, message in found)


@pytest.mark.parametrize("case", sorted(CHECKS))
def test_a_role_guard_that_decides_on_the_role_is_quiet(tmp_path: Path, case: str) -> None:
    assert _as103(tmp_path, CHECKS[case]) == []
