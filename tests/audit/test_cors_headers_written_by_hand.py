"""Access-Control headers written by hand, whatever the call that writes them (``headers[k] = v``,
Werkzeug's ``headers.add(k, v)``, ``headers.set``): ``*`` and an Origin echoed back without a test are any origin
(AS306), with ``Access-Control-Allow-Credentials: true`` beside them any origin with credentials (AS305). An
origin echoed only after a test of it (``if origin in ALLOWED:``) is an allow-list: quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''
from flask import Flask, jsonify, request

app = Flask(__name__)
ALLOWED = {{"https://app.example.com"}}


@app.route("/api/posts")
def posts():
    response = jsonify([])
    origin = request.headers.get("Origin", "")
{body}
    return response
'''


@pytest.mark.parametrize(("body", "rule"), [
    ("    response.headers.add('Access-Control-Allow-Origin', '*')", "AS306"),
    ("    response.headers.set('Access-Control-Allow-Origin', origin)", "AS306"),
    ("    response.headers['Access-Control-Allow-Origin'] = request.headers['Origin']", "AS306"),
    ("    response.headers.add('Access-Control-Allow-Origin', origin)\n"
     "    response.headers.add('Access-Control-Allow-Credentials', 'true')", "AS305"),
    ("    if origin in ALLOWED:\n        response.headers.add('Access-Control-Allow-Origin', origin)", None),
    ("    if origin.endswith('.example.com'):\n"
     "        response.headers.add('Access-Control-Allow-Origin', origin)", None),
    ("    if origin:\n        response.headers['Access-Control-Allow-Origin'] = origin\n"
     "        response.headers['Access-Control-Allow-Credentials'] = 'true'", "AS305"),
    ("    response.headers.add('Access-Control-Allow-Origin', 'https://app.example.com')", None),
    ("    response.headers.add('X-Frame-Options', 'DENY')", None),
], ids=["add-star", "set-origin", "item-origin", "with-credentials", "allow-listed", "suffix-test",
    "only-sent", "one-origin", "other-header"])
def test_cors_headers_written_by_hand(tmp_path: Path, body: str, rule: str | None) -> None:
    result = audit(tmp_path, {"app.py": APP.format(body=body)})
    cors = {f.rule_id for f in result.findings if f.rule_id in {"AS305", "AS306"}}
    assert cors == ({rule} if rule else set()), [f.message for f in result.findings if f.rule_id in cors]
