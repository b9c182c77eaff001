"""flask-restx / flask-restful resources registered by call (``ns.add_resource(Users, '/<int:id>')``) under a
namespace the API adds with ``api.add_namespace(ns, path='/users')``, the API bound to the app later
(``api.init_app(app)``), are routes of the app: listed with their full path and checked like decorated ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.audit.config import AuditConfig
from apishield.audit.engine import run
from apishield.findings import Severity
from tests.audit.helpers import write

_VIEWS = """\
from flask_restx import Namespace, Resource
from flask_jwt_extended import jwt_required
users_namespace = Namespace("users")


class Users(Resource):
    {decorator}
    def delete(self, user_id):
        remove_user(user_id)
        return "", 204


users_namespace.add_resource(Users, "/<int:user_id>")
"""
_API = "from flask_restx import Api\nfrom pkg.views import users_namespace\napi = Api(version='1.0')\n" \
       "api.add_namespace(users_namespace, path='/users')\n"
_APP = "from flask import Flask\nfrom pkg.api import api\n\ndef create_app():\n    app = Flask(__name__)\n" \
       "    api.init_app(app)\n    return app\n"


@pytest.mark.parametrize(("decorator", "reported"), [
    ("", True),                  # must fire: anyone deletes any user
    ("@jwt_required()", False),  # must stay quiet: a token is required
])
def test_resources_added_by_call_are_served_routes(tmp_path: Path, decorator: str, reported: bool) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/views.py": _VIEWS.format(decorator=decorator),
                     "pkg/api.py": _API, "pkg/app.py": _APP})
    result = run([str(tmp_path / "pkg")], AuditConfig(), jobs=1)
    assert [(r.methods, r.path) for r in result.routes] == [(("DELETE",), "/users/<int:user_id>")]
    hits = [f for f in result.findings if f.rule_id == "AS101" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported
