"""Guards written as a status check, and hooks that share a name.

A handler (or a blueprint's ``before_request``) that asks a permission check for a status code and aborts unless it
is 200 — ``status = req_check_permissions(["DATA_EDIT"])`` then ``if status != 200: flask.abort(status=status)`` —
refuses anonymous callers (they hold no permission) and checks a role. A check whose answer is never tested, or is
tested only after the handler acted on it, guards nothing.

Each module's hook is its own function: two blueprints that both call their hook ``prepare`` — one refusing callers
without a permission, the other (the app's) only opening the database — are two hooks, and the app's routes are not
guarded by the other blueprint's refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_UTILS = '''
import flask


def req_check_permissions(permissions):
    if not flask.g.current_user:
        return 401
    if not set(permissions) <= set(flask.g.permissions):
        return 403
    return 200
'''

_APP = '''
import flask

import orders
import users

app = flask.Flask(__name__)
app.register_blueprint(orders.blueprint, url_prefix="/api/orders")
app.register_blueprint(users.blueprint, url_prefix="/api/users")


@app.before_request
def prepare():
    flask.g.db = {"orders": [], "users": []}
    flask.g.current_user = flask.session.get("user")


@app.route("/api/reports/<int:report_id>", methods=["DELETE"])
def delete_report(report_id):
    flask.g.db["reports"].pop(report_id)
    return "", 204
'''

_ORDERS = '''
import flask

import utils

blueprint = flask.Blueprint("orders", __name__)


@blueprint.before_request
def prepare():
    status = utils.req_check_permissions(["DATA_EDIT"])
    if status != 200:
        flask.abort(status=status)


@blueprint.route("/<int:order_id>", methods=["DELETE"])
def delete_order(order_id):
    flask.g.db["orders"].pop(order_id)
    return "", 204
'''

_USERS = '''
import flask

import utils

blueprint = flask.Blueprint("users", __name__)


@blueprint.route("/<int:user_id>", methods=["DELETE"])
def delete_user(user_id):
    status = utils.req_check_permissions(["USER_MANAGEMENT"])
    if status != 200:
        flask.abort(status=status)
    flask.g.db["users"].pop(user_id)
    return "", 204


@blueprint.route("/<int:user_id>/notes", methods=["DELETE"])
def delete_notes(user_id):
    status = utils.req_check_permissions(["USER_MANAGEMENT"])
    flask.g.db["notes"].pop(user_id)  # acts before the answer is tested: the test comes too late
    if status != 200:
        flask.abort(status=status)
    return "", 204


@blueprint.route("/<int:user_id>/avatar", methods=["DELETE"])
def delete_avatar(user_id):
    utils.req_check_permissions(["USER_MANAGEMENT"])  # its answer is never tested
    flask.g.db["avatars"].pop(user_id)
    return "", 204
'''


def _medium_plus(tmp_path: Path, rule: str) -> set[str]:
    result = audit(tmp_path, {"app.py": _APP, "orders.py": _ORDERS, "users.py": _USERS, "utils.py": _UTILS})
    return {f"{f.location.path.rsplit('/', 1)[-1]}:{f.location.line}" for f in result.findings
            if f.rule_id == rule and f.location and f.severity >= Severity.MEDIUM}


def _line(source: str, text: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if text in line)


@pytest.mark.parametrize(("where", "guarded"), [
    (f"orders.py:{_line(_ORDERS, 'blueprint.route')}", True),  # its blueprint's hook refuses
    (f"users.py:{_line(_USERS, 'def delete_user') - 1}", True),  # the status check in the handler
    (f"app.py:{_line(_APP, 'app.route')}", False),  # the app's own ``prepare`` refuses nobody
    (f"users.py:{_line(_USERS, 'def delete_notes') - 1}", False),  # checked after acting
    (f"users.py:{_line(_USERS, 'def delete_avatar') - 1}", False),  # never tested
])
def test_a_status_check_guards_and_a_hook_is_its_own_modules(tmp_path: Path, where: str, guarded: bool) -> None:
    assert (where in _medium_plus(tmp_path, "AS101")) is not guarded


def test_a_permission_check_called_through_a_prefix_is_a_role_check(tmp_path: Path) -> None:
    assert f"users.py:{_line(_USERS, 'def delete_user') - 1}" not in _medium_plus(tmp_path, "AS103")


_ORDERS_SIGNED_IN = _ORDERS.replace('''    status = utils.req_check_permissions(["DATA_EDIT"])
    if status != 200:
        flask.abort(status=status)''', '''    if flask.session.get("user") is None:
        return flask.jsonify(error="sign in"), 401''')


def test_another_blueprints_hook_of_the_same_name_guards_nothing_here(tmp_path: Path) -> None:
    result = audit(tmp_path, {"app.py": _APP, "orders.py": _ORDERS_SIGNED_IN, "users.py": _USERS, "utils.py": _UTILS})
    found = {f"{f.location.path.rsplit('/', 1)[-1]}:{f.location.line}" for f in result.findings
             if f.rule_id == "AS101" and f.location and f.severity >= Severity.MEDIUM}
    assert f"app.py:{_line(_APP, 'app.route')}" in found
    assert f"orders.py:{_line(_ORDERS, 'blueprint.route')}" not in found
