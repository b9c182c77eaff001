"""A dict literal kept in a local that the handler only answers with (``body = {...}`` then ``return
Response(json.dumps(body))``, ``jsonify(body)`` or ``return body``) is a message to the client, like the same dict
written inline in the answer: its ``'password': 'Updated.'`` is no hard-coded credential (AS603). A local dict that is
also used for something else (a connection made with it, a request sent with it) is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """
import json

import requests
from flask import Flask, Response, jsonify

app = Flask(__name__)


@app.post("/users/<name>/password")
def change_password(name):
    body = {{"status": "success", "password": "Updated-Pa55word!"}}
    {use}
"""


@pytest.mark.parametrize(("use", "reported"), [
    ('return Response(json.dumps(body), 204, mimetype="application/json")', False),
    ("return jsonify(body)", False),
    ("return body", False),
    ('requests.post("https://auth.example.com/login", json=body)\n    return jsonify(body)', True),
    ("return connect(**body)", True),
], ids=["response-of-dumps", "jsonify", "returned", "also-sent-elsewhere", "used-to-connect"])
def test_a_local_dict_only_answered_is_no_credential(tmp_path: Path, use: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(use=use)})
    assert any(f.rule_id == "AS603" for f in result.findings) is reported
