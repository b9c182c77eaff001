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
