"""Access-Control headers written by hand, whatever the call that writes them (``headers[k] = v``,
Werkzeug's ``headers.add(k, v)``, ``headers.set``): ``*`` and an Origin echoed back without a test are any origin
(AS306), with ``Access-Control-Allow-Credentials: true`` beside an echoed Origin any origin with credentials (AS305);
beside a literal ``*`` browsers refuse the credentials, so it stays any origin (AS306). An origin echoed only after a
test of it (``if origin in ALLOWED:``) is an allow-list: quiet."""

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
    ("    response.headers.add('Access-Control-Allow-Origin', '*')\n"
     "    response.headers.add('Access-Control-Allow-Credentials', 'true')", "AS306"),
], ids=["add-star", "set-origin", "item-origin", "with-credentials", "allow-listed", "suffix-test",
    "only-sent", "one-origin", "other-header", "star-refuses-credentials"])
def test_cors_headers_written_by_hand(tmp_path: Path, body: str, rule: str | None) -> None:
    result = audit(tmp_path, {"app.py": APP.format(body=body)})
    cors = {f.rule_id for f in result.findings if f.rule_id in {"AS305", "AS306"}}
    assert cors == ({rule} if rule else set()), [f.message for f in result.findings if f.rule_id in cors]


_FACTORY = """
from flask import Flask


def create_app():
    app = Flask(__name__)

    @app.after_request
    def after_request(response):
        response.headers.add("Access-Control-Allow-Origin", request.headers.get("Origin"))
        response.headers.add("Access-Control-Allow-Credentials", "true")
        return response

    return app
"""


def test_headers_of_a_hook_inside_an_app_factory_are_reported_once_at_the_hook(tmp_path: Path) -> None:
    result = audit(tmp_path, {"app.py": _FACTORY})
    cors = [f for f in result.findings if f.rule_id == "AS305"]
    assert len(cors) == 1 and cors[0].message.startswith("after_request()")
