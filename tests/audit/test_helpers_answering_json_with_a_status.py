"""A handler that returns what a helper returns is answered as JSON when every return of that helper is a dict with
a status (``return {"message": ...}, 201``): no reflected HTML (AS404). A helper that returns markup with a status
still reflects the request into HTML (must fire)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''
from flask import Flask, request
app = Flask(__name__)

def helper(data):
    return {body}, 201

@app.post("/items")
def create():
    return helper(request.get_json())
'''


@pytest.mark.parametrize(("body", "reported"), [
    ('{"message": "created", "name": data["name"]}', False),
    ('"<p>" + data["name"] + "</p>"', True),
])
def test_a_helper_answering_a_dict_with_a_status_is_json(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": APP.format(body=body)})
    assert any(f.rule_id == "AS404" for f in result.findings) is reported


SERVICE_APP = '''
from flask import Flask, request
from services import {name}
app = Flask(__name__)

@app.put("/roles/<role_id>")
def update_role(role_id):
    return {name}.describe(role_id, request.args.get("name", ""))
'''


@pytest.mark.parametrize(("name", "reported"), [("role_service", False), ("user_repository", False),
                                                ("markup", True)])
def test_what_a_service_object_answers_is_its_records(tmp_path: Path, name: str, reported: bool) -> None:
    """An operation of a service or repository object answers the records it keeps, not the request echoed into
    markup; an unknown object's method result is still followed."""
    result = audit(tmp_path, {"app.py": SERVICE_APP.format(name=name)})
    assert any(f.rule_id == "AS404" for f in result.findings) is reported
