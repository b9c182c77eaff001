"""A guard the project makes with a decorator of its own (``@permissions_wrapper def global_admin(args, kwargs): ...``)
is bound to what that maker returns: when the maker's decorator signs the caller in (``login_required(wrapper)``) and
refuses with 403 when the predicate fails, routes under ``@global_admin`` are authenticated, and a predicate named for
a role is their role check (no AS101, no AS103). A maker whose decorator checks nothing leaves the routes open."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_ACCESS = '''import functools

import flask
import flask_login


def permissions_wrapper(handler):
    def decorator(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            {check}
            return function(*args, **kwargs)
        return {returned}
    return decorator


@permissions_wrapper
def global_admin(args, kwargs):
    return flask_login.current_user.global_admin
'''

_VIEWS = '''import flask

from . import access

app = flask.Flask(__name__)
app.secret_key = load_key()


@app.route("/admin/delete/<path:admin>", methods=["POST"])
@access.global_admin
def admin_delete(admin):
    remove_admin(admin)
    return flask.redirect("/admin/list")
'''


@pytest.mark.parametrize(("check", "returned", "reported"), [
    # must stay quiet: the maker's decorator signs the caller in and refuses a failed predicate
    ("if not handler(args, kwargs):\n                flask.abort(403)", "flask_login.login_required(wrapper)", False),
    # must fire: the maker's decorator checks nothing
    ("pass", "wrapper", True),
])
def test_guards_made_by_a_decorator_maker(tmp_path: Path, check: str, returned: str, reported: bool) -> None:
    files = {"mail/__init__.py": "", "mail/access.py": _ACCESS.format(check=check, returned=returned),
             "mail/views.py": _VIEWS}
    result = audit(tmp_path, files)
    found = {f.rule_id for f in result.findings if f.rule_id in {"AS101", "AS103"} and f.severity >= Severity.MEDIUM}
    assert bool(found) is reported
