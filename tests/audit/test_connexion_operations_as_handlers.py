"""connexion calls the function an OpenAPI operation's ``operationId`` names (``api.users.search``, or a bare name
under ``x-openapi-router-controller``) with the request's parameters and body: those functions are handlers wherever
the app that loads the specification is built, and their parameters are the client's. A function no operation
names is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """\
import connexion

app = connexion.App(__name__, specification_dir="spec/")
app.add_api("openapi.yaml")
"""

_SPEC = """\
openapi: 3.0.0
info: {{title: t, version: "1"}}
paths:
  /users:
    get:
{operation}
      parameters:
        - {{name: name, in: query, schema: {{type: string}}}}
      responses: {{"200": {{description: ok}}}}
"""

_USERS = """\
import sqlite3

DB = sqlite3.connect("app.db")


def search(name):
    return {"rows": DB.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall()}


def helper(name):
    return DB.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall()
"""


@pytest.mark.parametrize(("operation", "proven"), [
    ("      operationId: api.users.search", {7}),  # must fire: the operation's parameter is the client's
    ("      x-openapi-router-controller: api.users\n      operationId: search", {7}),
    ("      operationId: api.users.helper", {11}),
    ("      operationId: api.other.search", set()),  # must stay unproven: another module's function
])
def test_a_function_an_operation_names_takes_the_clients_parameters(tmp_path: Path, operation: str,
                                                                    proven: set[int]) -> None:
    result = audit(tmp_path, {"app.py": _APP, "spec/openapi.yaml": _SPEC.format(operation=operation),
                              "api/__init__.py": "", "api/users.py": _USERS, "api/other.py": _USERS})
    found = {f.location.line for f in result.findings if f.rule_id == "AS801" and f.confidence.name == "HIGH"
             and f.location and f.location.path == "api/users.py"}
    assert found == proven


_SPEC_TYPED = """\
swagger: "2.0"
info: {{title: t, version: "1"}}
paths:
  /greet:
    get:
      operationId: api.users.greet
      produces: [{media}]
      parameters:
        - {{name: name, in: query, type: string}}
      responses: {{"200": {{description: ok}}}}
"""

_GREET = """\
def greet(name):
    return "Hello " + name
"""


@pytest.mark.parametrize(("media", "fires"), [
    ("application/json", False),  # quiet: connexion answers the string as JSON
    ("text/html", True),  # must fire: the operation answers HTML
])
def test_an_operation_answers_by_its_media_type(tmp_path: Path, media: str, fires: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP, "spec/openapi.yaml": _SPEC_TYPED.format(media=media),
                              "api/__init__.py": "", "api/users.py": _GREET})
    assert any(f.rule_id == "AS404" for f in result.findings) is fires
