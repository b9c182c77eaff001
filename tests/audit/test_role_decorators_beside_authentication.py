"""A project decorator that decides on the caller's role — ``@for_admins()`` comparing the role's name with
"Admin" and raising otherwise — is a role check also when another decorator (``@jwt_required()``) does the
authentication: no AS103 on the administrator's route. A decorator that only logs leaves the route without one
(must fire)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

DECORATORS = '''
from functools import wraps
from flask_jwt_extended import get_jwt_identity

def for_admins():
    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            user_role = roles.get_user_role(get_jwt_identity())
            if user_role.get("name") == "Admin":
                return func(*args, **kwargs)
            raise PermissionError("Permission Error")
        return wrapper
    return decorator

def log_calls():
    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            print("called", func.__name__)
            return func(*args, **kwargs)
        return wrapper
    return decorator
'''
ROUTES = '''
from flask import Flask
from flask_jwt_extended import jwt_required
from decorators import for_admins, log_calls

app = Flask(__name__)

@app.route("/admin/users/<user_id>", methods=["DELETE"])
@jwt_required()
@{decorator}()
def delete_user(user_id):
    users.delete(user_id)
    return {{"deleted": user_id}}
'''


@pytest.mark.parametrize(("decorator", "reported"), [("for_admins", False), ("log_calls", True)])
def test_a_role_deciding_decorator_beside_authentication(tmp_path: Path, decorator: str, reported: bool) -> None:
    result = audit(tmp_path, {"decorators.py": DECORATORS, "app.py": ROUTES.format(decorator=decorator)})
    assert any(f.rule_id == "AS103" for f in result.findings) is reported
