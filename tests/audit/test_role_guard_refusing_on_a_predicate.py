"""A guard of the project's own named for a role (``@admin_auth``) whose body answers early unless a predicate about
the caller holds (``if not ldap.is_evals(member): return redirect(...)``) checks the role its name promises, in the
project's own words: its routes are no AS103. The same guard whose predicate only asks whether the caller is signed
in (``is_logged_in``) checks no role, and the privileged route is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''from functools import wraps

from flask import Flask, redirect, render_template, session

import ldap

app = Flask(__name__)
app.secret_key = open("/run/secrets/key").read()


def login_required(func):
    @wraps(func)
    def wrapped(*args, **kwargs):
        if "user" not in session:
            return redirect("/login")
        return func(*args, **kwargs)
    return wrapped


def admin_auth(func):
    @wraps(func)
    def wrapped(*args, **kwargs):
        member = ldap.get_member(session["user"])
        if not {predicate}(member):
            return redirect("/")
        return func(*args, **kwargs)
    return wrapped


@app.route("/admin/packets")
@login_required
@admin_auth
def admin_packets():
    return render_template("packets.html", packets=ldap.all_packets())
'''


@pytest.mark.parametrize(("predicate", "reported"), [
    ("ldap.is_evals", False),
    ("has_group_board", False),
    ("ldap.is_logged_in", True),
    ("is_authenticated_member", True),
])
def test_a_role_named_guard_checks_a_role_when_it_refuses_on_a_predicate(tmp_path: Path, predicate: str,
                                                                         reported: bool) -> None:
    result = audit(tmp_path, {"app.py": APP.format(predicate=predicate)})
    assert any(f.rule_id == "AS103" for f in result.findings) is reported
