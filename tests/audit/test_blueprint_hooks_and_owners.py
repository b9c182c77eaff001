"""A blueprint's ``before_request`` that turns away every caller but an administrator is the role check of all its
routes (no AS103); one that only loads the caller is not. Two packages that each define their own ``bp`` (imported
by their route modules with ``from . import bp``) are two blueprints: each route gets its own package's prefix and
hooks, never the other package's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''
from flask import Flask
from .admin.routes import bp as admin_bp
from .auth import bp as auth_bp
from . import auth  # noqa: F401  (its routes module registers on auth_bp)

app = Flask(__name__)
app.register_blueprint(admin_bp)
app.register_blueprint(auth_bp)
'''

ADMIN = '''
from flask import Blueprint, g, jsonify
from flask_jwt_extended import jwt_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _gate():
{gate}


@bp.delete("/users/<int:user_id>")
@jwt_required()
def delete_user(user_id):
    db.delete_user(user_id)
    return jsonify({{"deleted": user_id}})
'''

ONLY_ADMINS = '''    user = getattr(g, "current_user", None)
    if not user or str(user.role).lower() != "admin":
        return jsonify({"error": "Admin access required"}), 403'''
LOADS_ONLY = '''    g.current_user = load_user()'''

AUTH_INIT = '''
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import routes  # noqa: E402,F401
'''

AUTH_ROUTES = '''
from flask import jsonify, request
from . import bp


@bp.post("/login")
def login():
    return jsonify(check(request.json["email"], request.json["password"]))
'''


@pytest.mark.parametrize(("gate", "reported"), [(ONLY_ADMINS, False), (LOADS_ONLY, True)],
                         ids=["refuses-all-but-admins", "loads-the-caller"])
def test_a_blueprint_hook_that_refuses_all_but_administrators_is_a_role_check(tmp_path: Path, gate: str,
                                                                               reported: bool) -> None:
    files = {"pkg/__init__.py": APP, "pkg/admin/__init__.py": "", "pkg/admin/routes.py": ADMIN.format(gate=gate),
             "pkg/auth/__init__.py": AUTH_INIT, "pkg/auth/routes.py": AUTH_ROUTES}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS103" and "/admin/users" in f.message for f in result.findings) is reported


def test_a_blueprint_imported_from_its_package_is_that_packages_own(tmp_path: Path) -> None:
    files = {"pkg/__init__.py": APP, "pkg/admin/__init__.py": "", "pkg/admin/routes.py": ADMIN.format(gate=ONLY_ADMINS),
             "pkg/auth/__init__.py": AUTH_INIT, "pkg/auth/routes.py": AUTH_ROUTES}
    result = audit(tmp_path, files)
    paths = {r.path for r in result.routes}
    assert "/auth/login" in paths and "/admin/login" not in paths
    assert not [f for f in result.findings if f.rule_id == "AS103" and "login" in f.message]
