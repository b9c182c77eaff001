"""A Flask URL value preprocessor runs before each view of its blueprint and may turn the caller away (here it sends
callers without the project in their session to the sign-in page, through the application's own redirect
exception). It guards the routes whose path carries the value it reads (``<project_id>``), not the others."""

from __future__ import annotations

from pathlib import Path

from apishield.findings import Severity
from tests.audit.helpers import audit

_VIEWS = '''
from flask import Blueprint, Flask, g, redirect, request, session, url_for
from werkzeug.routing import RequestRedirect

main = Blueprint("main", __name__)


class Redirect303(RequestRedirect):
    code = 303


@main.url_value_preprocessor
def pull_project(endpoint, values):
    project_id = values.pop("project_id", None)
    if project_id:
        if not session.get(project_id):
            raise Redirect303(url_for(".authenticate", project_id=project_id))
        g.project = project_id


@main.route("/<project_id>/members/<int:member_id>/delete", methods=["POST"])
def remove_member(member_id):
    g.db.execute("DELETE FROM members WHERE id = ?", (member_id,))
    return redirect(url_for(".list_members"))


@main.route("/accounts/<int:account_id>/delete", methods=["POST"])
def delete_account(account_id):
    g.db.execute("DELETE FROM accounts WHERE id = ?", (account_id,))
    return redirect(url_for(".home"))


app = Flask(__name__)
app.register_blueprint(main)
'''


def _medium_missing_auth(paths: set[str], findings: list) -> set[str]:  # type: ignore[type-arg]
    return {p for p in paths for f in findings if f.rule_id == "AS101" and f.severity >= Severity.MEDIUM
            and p in f.message}


def test_a_url_value_preprocessor_guards_the_routes_that_carry_its_value(tmp_path: Path) -> None:
    result = audit(tmp_path, {"app.py": _VIEWS})
    flagged = _medium_missing_auth({"/<project_id>/members", "/accounts/"}, result.findings)
    assert flagged == {"/accounts/"}
