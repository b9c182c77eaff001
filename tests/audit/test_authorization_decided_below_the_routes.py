"""A project whose guard calls the handler inside ``try`` and turns an authorization error raised below it into a 403
(``except AuthorizationError: abort(403)``), or registers an application-wide handler doing so, decides object access
in the layer that raises the error: its AS102 findings stay, low. A guard that catches some other error, or answers
something else, changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_GUARD = """\
from functools import wraps

from flask import abort, g, request

from store import AuthorizationError, CurrentUser


def login_required(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        user = g.user = request.headers.get("Authorization")
        if user is None:
            abort(401)
        with CurrentUser(user):
            try:
                return func(*args, **kwargs)
            except {caught}:
                abort({status})
    return wrapper
"""

_APP = """\
from flask import Flask, jsonify

from guard import login_required
from store import Document

app = Flask(__name__)


@app.route("/documents/<int:doc_id>", methods=["DELETE"])
@login_required
def remove(doc_id):
    Document.get_by_id(doc_id).delete()
    return jsonify({"deleted": doc_id})
"""

_STORE = """\
class AuthorizationError(Exception):
    pass


class LookupFailed(Exception):
    pass


class CurrentUser:
    def __init__(self, user):
        self.user = user

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Document:
    user_id = 0

    @classmethod
    def get_by_id(cls, doc_id):
        return cls()

    def delete(self):
        pass
"""


@pytest.mark.parametrize(("caught", "status", "medium"), [
    ("AuthorizationError", 403, False),  # must stay quiet at medium: the data layer decides, the guard answers 403
    ("LookupFailed", 404, True),  # must fire: a missing object is no refused access
    ("AuthorizationError", 500, True),  # must fire: no 403, nothing says the layer refuses anyone
])
def test_authorization_errors_turned_into_403_by_the_guard(tmp_path: Path, caught: str, status: int,
                                                           medium: bool) -> None:
    files = {"app.py": _APP, "guard.py": _GUARD.format(caught=caught, status=status), "store.py": _STORE}
    result = audit(tmp_path, files)
    found = [f for f in result.findings if f.rule_id == "AS102"]
    assert found, "the delete by id is reported either way"
    assert any(f.severity >= Severity.MEDIUM for f in found) is medium
