"""A handler that does its work through a business function carrying the login guard (``@token_required`` on the
service function, the Flask-RESTx tutorial layout) is authenticated: AS101 stays quiet; without the guard it
reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_DECORATORS = ("from functools import wraps\nfrom flask import abort, request\n"
               "def token_required(f):\n    @wraps(f)\n    def decorated(*args, **kwargs):\n"
               "        if not request.headers.get('Authorization'):\n            abort(401)\n"
               "        return f(*args, **kwargs)\n    return decorated\n")
_APP = ("from flask import Flask, jsonify\nfrom business import delete_account\napp = Flask(__name__)\n"
        "@app.route('/users/<int:user_id>', methods=['DELETE'])\ndef remove(user_id):\n"
        "    return jsonify(delete_account(user_id))\n")


@pytest.mark.parametrize(("guard", "reported"), [("@token_required\n", False), ("", True)])
def test_a_guard_on_the_called_business_function_authenticates_the_route(tmp_path: Path, guard: str,
                                                                         reported: bool) -> None:
    business = ("from decorators import token_required\nfrom store import db\n"
                f"{guard}def delete_account(user_id):\n    db.delete(user_id)\n    return {{'deleted': user_id}}\n")
    result = audit(tmp_path, {"decorators.py": _DECORATORS, "business.py": business, "app.py": _APP})
    assert any(f.rule_id == "AS101" for f in result.findings) is reported
