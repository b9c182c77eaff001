"""A project's own login decorator that reads the credential header, answers an error without calling the view when
it is missing, and hands the value on to be verified guards the route, whatever status its error carries
(``return json_response("You need to be authenticated", status="error")``): AS101 stays quiet. A decorator that only
logs the header, checks only that it is present, or refuses a missing header that carries no credential, guards
nothing: AS101 fires."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import audit

_MIDDLEWARE = """\
from functools import wraps
from flask import request
from utils import json_response, validate_token, log


def logged_in(f):
    @wraps(f)
    def decorated_function(*args, **kwargs):
{body}
        return f(*args, **kwargs)
    return decorated_function
"""
_VIEWS = """\
from flask import Blueprint
import middleware
bp = Blueprint("users", __name__, url_prefix="/api/users")


@bp.route("/<user_id>", methods=["DELETE"])
@middleware.logged_in
def delete_user(user_id):
    return remove(user_id)
"""

_REFUSES = """\
        token = request.headers.get("Authorization", None)
        if token is None:
            return json_response("You need to be authenticated to access this API!", status="error")
        request.user = validate_token(token.replace("Bearer ", ""))
"""
_LOGS_ONLY = """\
        token = request.headers.get("Authorization", None)
        log(token)
"""
_PRESENCE_ONLY = """\
        token = request.headers.get("Authorization", None)
        if token is None:
            return json_response("You need to be authenticated to access this API!", status="error")
        log(token)
"""
_NOT_A_CREDENTIAL = """\
        trace = request.headers.get("X-Request-Id")
        if trace is None:
            return json_response("missing trace id", status="error")
        log(trace)
"""


@pytest.mark.parametrize(("body", "guarded"), [
    (_REFUSES, True), (_LOGS_ONLY, False), (_PRESENCE_ONLY, False), (_NOT_A_CREDENTIAL, False)])
def test_a_decorator_refusing_a_missing_credential_guards_the_route(tmp_path: Path, body: str, guarded: bool) -> None:
    result = audit(tmp_path, {"middleware/__init__.py": _MIDDLEWARE.format(body=body), "views.py": _VIEWS,
                              "app.py": "from flask import Flask\nfrom views import bp\napp = Flask(__name__)\n"
                                        "app.register_blueprint(bp)\n"})
    unguarded = [f for f in result.findings if f.rule_id == "AS101"]
    assert (not unguarded) is guarded
