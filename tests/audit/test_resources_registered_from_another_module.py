"""Flask-RESTful's usual layout: resource classes in their own modules, an app factory registering them with
``api.add_resource(Imported, '/path')``. Every method of such a resource is a route, reported at its handler; an
authenticating ``before_request`` hook guards them all (also when it refuses through a helper such as
``authenticate(request.headers)``) except the endpoints or paths it exempts, itself or through a predicate it
calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

RESOURCES = """from flask_restful import Resource
ITEMS = {}
class ItemList(Resource):
    def get(self):
        return list(ITEMS.values())
class ItemPurge(Resource):
    def delete(self):
        ITEMS.clear()
        return {'purged': True}
"""


def _factory(hook: str) -> str:
    return f"""from flask import Flask, request, Response
from flask_restful import Api
from app.resources import ItemList, ItemPurge
def authenticate(headers):
    if headers.get('Authorization') == 'Bearer s3cr3t-token-value':
        return {{'status': 'ok'}}
    return Response('Authorization header required.', status=400)
def requires_authentication():
    return request.endpoint is not None and request.endpoint != 'itempurge' and 'health' not in request.endpoint
def create_app():
    app = Flask(__name__)
    api = Api(app)
    api.add_resource(ItemList, '/items')
    api.add_resource(ItemPurge, '/items/purge')
{hook}
    return app
"""


HOOK = """    @app.before_request
    def before_request():
        if requires_authentication():
            res = authenticate(request.headers)
            if res != {'status': 'ok'}:
                return res
        return None
"""


def _routes_found(tmp_path: Path, hook: str) -> dict[str, str]:
    files = {"app/__init__.py": "", "app/resources.py": RESOURCES, "app/factory.py": _factory(hook)}
    result = audit(tmp_path, files)
    return {f"{'/'.join(r.methods)} {r.path}": r.protections.get("auth", "") for r in result.routes}


def test_resources_of_another_module_are_routes_at_their_handlers(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/resources.py": RESOURCES, "app/factory.py": _factory("")}
    result = audit(tmp_path, files)
    routes = {f"{'/'.join(r.methods)} {r.path}": r for r in result.routes}
    assert set(routes) == {"GET /items", "DELETE /items/purge"}
    assert routes["DELETE /items/purge"].file == "app/resources.py"
    assert any(f.rule_id == "AS101" and f.location is not None and f.location.path == "app/resources.py"
               and f.severity.name == "HIGH"
               for f in result.findings)


@pytest.mark.parametrize(("route", "guarded"), [
    ("GET /items", True),  # must stay quiet: the hook authenticates it
    ("DELETE /items/purge", False),  # must fire: the hook's predicate exempts its endpoint
])
def test_a_hook_guards_every_route_but_those_it_exempts(tmp_path: Path, route: str, guarded: bool) -> None:
    assert bool(_routes_found(tmp_path, HOOK)[route]) is guarded


@pytest.mark.parametrize(("hook", "exempted"), [
    ("    @app.before_request\n    def check():\n        if request.endpoint in ('itempurge', 'static'):\n"
     "            return\n        if authenticate(request.headers) != {'status': 'ok'}:\n"
     "            return Response('no', status=401)\n", True),
    ("    @app.before_request\n    def check():\n        if request.endpoint == 'itempurge':\n"
     "            if authenticate(request.headers) != {'status': 'ok'}:\n"
     "                return Response('no', status=401)\n", False),
])
def test_an_exemption_is_read_by_what_the_branch_does(tmp_path: Path, hook: str, exempted: bool) -> None:
    auth = _routes_found(tmp_path, hook)["DELETE /items/purge"]
    assert (not auth) is exempted
