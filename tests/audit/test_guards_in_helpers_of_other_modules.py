"""A handler that first calls a helper of another module of the project which refuses unauthenticated callers
(``user = in_header_authorization(request.headers)`` raising the app's own exception with ``status=401``) is
authenticated: no AS101. The same helper called after the handler has acted, or one that refuses nothing, is not a
guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_HELPERS = """\
class JSONException(Exception):
    def __init__(self, payload, status=400):
        self.payload, self.status = payload, status


def in_header_authorization(headers):
    token = headers.get("{header}")
    if not token:
        raise JSONException({{"message": "{message}"}}, status={status})
    return lookup_user(token)
"""
_ROUTES = """\
from aiohttp import web

from app.helpers import in_header_authorization

routes = web.RouteTableDef()


@routes.delete("/package/{{package_id}}")
async def delete_package(request):
{body}
    return web.json_response({{}})
"""
_FIRST = "    user = in_header_authorization(request.headers)\n    remove_package(request.match_info['package_id'])"
_AFTER = "    remove_package(request.match_info['package_id'])\n    user = in_header_authorization(request.headers)"


@pytest.mark.parametrize(("status", "body", "reported"), [
    ("401", _FIRST, False),  # must stay quiet: the helper refuses before anything acts
    ("401", _AFTER, True),  # must fire: the package is removed first
    ("400", _FIRST, True),  # must fire: a 400 for a missing request id refuses no caller for who they are
])
def test_a_refusing_helper_of_another_module_called_first(tmp_path: Path, status: str, body: str,
                                                          reported: bool) -> None:
    message, header = ("missing request id", "X-Request-Id") if status == "400" else ("invalid token", "Authorization")
    files = {"app/__init__.py": "", "app/helpers.py": _HELPERS.format(status=status, message=message, header=header),
             "app/routes.py": _ROUTES.format(body=body),
             "app/main.py": "from aiohttp import web\nfrom app.routes import routes\n\napp = web.Application()\n"
                            "app.add_routes(routes)\n"}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS101" and "/package" in f.message for f in result.findings) is reported


def test_a_method_of_a_value_is_not_a_helper_of_the_same_name(tmp_path: Path) -> None:
    """``data.get("name")`` first in a handler is the dict's method, not a project function named ``get`` that
    happens to refuse unauthenticated callers (a resource's ``get`` handler)."""
    helpers = _HELPERS.format(status="401", message="invalid token", header="Authorization").replace(
        "def in_header_authorization(headers):", "def get(headers):")
    body = "    data = await request.json()\n    name = data.get('name')\n    remove_package(name)"
    files = {"app/__init__.py": "", "app/helpers.py": helpers, "app/routes.py": _ROUTES.format(body=body),
             "app/main.py": "from aiohttp import web\nfrom app.routes import routes\n\napp = web.Application()\n"
                            "app.add_routes(routes)\n"}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS101" and "/package" in f.message for f in result.findings)
