"""Starlette's class-based endpoints are routes: each method named for an HTTP verb of an ``HTTPEndpoint`` subclass
(or of a class naming its own ``path`` in a Starlette project whose routing map is built from such classes) is a
route, protected by its own decorators (``@requires("authenticated")``). Starlette's ``AuthenticationMiddleware``
only tells the handlers who is calling; it refuses no one, so it protects no route by itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.endpoints import HTTPEndpoint
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Route
from backend.auth import JWTBackend
from backend.db import responses


class Response(HTTPEndpoint):
    {guard}
    async def delete(self, request):
        await responses.delete_one({{"_id": request.path_params["response_id"]}})
        return JSONResponse({{"status": "ok"}})


app = Starlette(routes=[Route("/forms/{{form_id}}/responses/{{response_id}}", Response)],
                middleware=[Middleware(AuthenticationMiddleware, backend=JWTBackend())])
"""


@pytest.mark.parametrize(("guard", "reported"), [
    ("", True),  # must fire: a deletion nobody has to sign in for (the middleware refuses no one)
    ('@requires(["authenticated", "admin"])', False),  # must stay quiet: the decorator refuses anonymous callers
])
def test_verb_methods_of_an_endpoint_class_are_routes(tmp_path: Path, guard: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(guard=guard)})
    hits = [f for f in result.findings if f.rule_id == "AS101" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported
    if reported:
        assert "DELETE /forms/{form_id}/responses/{response_id}" in hits[0].message


def test_a_class_naming_its_own_path_is_an_endpoint(tmp_path: Path) -> None:
    route_cls = ("from starlette.endpoints import HTTPEndpoint\nclass Route(HTTPEndpoint):\n    name: str\n"
                 "    path: str\n")
    view = ("from starlette.responses import JSONResponse\nfrom backend.route import Route\n"
            "class Forms(Route):\n    name = 'forms'\n    path = '/forms/{form_id}'\n"
            "    async def get(self, request):\n        return JSONResponse({})\n")
    result = audit(tmp_path, {"backend/route.py": route_cls, "backend/routes/forms.py": view,
                              "backend/__init__.py": "from starlette.applications import Starlette\n"
                                                     "app = Starlette(routes=[])\n"})
    assert any(f.rule_id == "AS101" and "GET /forms/{form_id}" in f.message for f in result.findings)


@pytest.mark.parametrize(("scopes", "reported"), [
    ('"authenticated"', True),  # must fire: a sign-in is all it asks for an administrator's action
    ('["authenticated", "admin"]', False),  # must stay quiet: the admin scope is the role
])
def test_scopes_beyond_a_sign_in_are_roles(tmp_path: Path, scopes: str, reported: bool) -> None:
    source = ("from starlette.authentication import requires\nfrom starlette.endpoints import HTTPEndpoint\n"
              "from starlette.responses import JSONResponse\nfrom starlette.routing import Route\n"
              "from starlette.applications import Starlette\nfrom backend.admin import grant\n"
              "class AdminRoute(HTTPEndpoint):\n"
              f"    @requires({scopes})\n    async def post(self, request):\n        return await grant(request)\n"
              "app = Starlette(routes=[Route('/admin', AdminRoute)])\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS103" for f in result.findings) is reported


@pytest.mark.parametrize(("guard", "reported"), [
    ("", True),  # must fire: the view is open
    ('@requires("authenticated")', False),  # must stay quiet: its own decorator, read where it is registered
])
def test_a_view_registered_in_another_module_keeps_its_decorators(tmp_path: Path, guard: str, reported: bool) -> None:
    views = ("from starlette.authentication import requires\nfrom starlette.responses import JSONResponse\n"
             "from accounts.models import User\n"
             f"{guard}\nasync def profile(request):\n"
             "    return JSONResponse(await User.get(request.path_params['user_id']))\n")
    routes = ("from starlette.routing import Route\nfrom accounts.views import profile\n"
              "routes = [Route('/users/{user_id}/profile', endpoint=profile, methods=['GET'])]\n")
    app = ("from starlette.applications import Starlette\nfrom starlette.routing import Mount\n"
           "from accounts.routes import routes\napp = Starlette(routes=[Mount('/accounts', routes=routes)])\n")
    result = audit(tmp_path, {"accounts/__init__.py": "", "accounts/views.py": views, "accounts/routes.py": routes,
                              "main.py": app})
    hits = [f for f in result.findings if f.rule_id == "AS101" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported
