"""Django Ninja: ``NinjaAPI``/``Router`` routes whose authentication is given by ``auth=`` — on the API, on a router
or on the route itself, with ``auth=None`` opting a route out on purpose — and routers added with
``api.add_router(prefix, router)``, the router named by a variable or by its dotted path as a string
(``"notes.api.router"``). A write by key without any ``auth`` is still reported; with ``auth=`` anywhere on the way
it is not. A handler's dict or string answer is serialised as JSON, never an HTML page."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_URLS = '''
from django.urls import path
from ninja import NinjaAPI
{api_import}

api = NinjaAPI({api_auth})
api.add_router("/v1", {router_ref})

urlpatterns = [path("api/", api.urls)]
'''

_NOTES = '''
from ninja import Router
from ninja.security import HttpBearer

from notes.models import Note


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        return find_user(token)


router = Router({router_auth})


@router.put("/notes/{{note_id}}"{route_auth})
def update_note(request, note_id: int, text: str):
    note = Note.objects.get(id=note_id)
    note.text = text
    note.save()
    return {{"id": note.id, "text": text}}


@router.get("/echo")
def echo(request, q: str):
    return "you said " + q
'''


def _project(where: str, by_string: bool) -> dict[str, str]:
    auth = "auth=TokenAuth()"
    return {
        "notes/__init__.py": "",
        "notes/models.py": "class Note:\n    objects = None\n",
        "notes/api.py": _NOTES.format(router_auth=auth if where == "router" else "",
                                      route_auth=", " + auth if where == "route" else
                                      ", auth=None" if where == "opt-out" else ""),
        "config/__init__.py": "",
        "config/urls.py": _URLS.format(
            api_import="from notes.api import TokenAuth" + ("" if by_string else ", router"),
            api_auth=auth if where == "api" else "",
            router_ref='"notes.api.router"' if by_string else "router"),
    }


@pytest.mark.parametrize("by_string", [False, True], ids=["router-variable", "router-dotted-string"])
@pytest.mark.parametrize(("where", "reported"), [
    ("nowhere", True), ("route", False), ("router", False), ("api", False), ("opt-out", False)])
def test_ninja_auth_on_the_api_router_or_route(tmp_path: Path, where: str, reported: bool, by_string: bool) -> None:
    result = audit(tmp_path, _project(where, by_string))
    missing = [f for f in result.findings if f.rule_id == "AS101" and f.severity >= Severity.MEDIUM
               and "PUT" in f.message]
    assert bool(missing) is reported
    assert not [f for f in result.findings if f.rule_id == "AS404"]  # a Ninja answer is JSON
