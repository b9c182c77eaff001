"""A ``before_request`` hook that checks only the paths its test picks (``if any(request.path.startswith(r) for r in
AUTHENTICATED_ROUTES): check()``, ``if not request.path.startswith('/api'): return``) authenticates those routes and
leaves every other one open; its refusal may come through the helper that builds the answer
(``abort(problem(401, ...))``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''
from flask import Flask, abort, g, jsonify, request

from .errors import problem

app = Flask(__name__)
PROTECTED = ["/jobs", "/user"]


@app.before_request
def authenticate():
{hook}


@app.route("/jobs", methods=["POST"])
def submit_job():
    db.session.add(Job(owner=g.user, spec=request.get_json()))
    db.session.commit()
    return jsonify(ok=True)


@app.route("/maintenance/purge", methods=["POST"])
def purge():
    db.session.query(Job).delete()
    db.session.commit()
    return jsonify(ok=True)
'''

CHECK = ("        token = request.headers.get('Authorization')\n"
         "        if not token:\n            abort(problem(401, 'No authorization token provided'))\n"
         "        g.user = decode(token)\n")
HOOKS = {
    "any-prefix-of-a-list": "    if any([request.path.startswith(r) for r in PROTECTED]):\n" + CHECK,
    "ends-unless-a-prefix": "    if not request.path.startswith('/jobs'):\n        return\n"
                            + CHECK.replace("        ", "    ", 1).replace("\n        ", "\n    "),
}


@pytest.mark.parametrize("hook", list(HOOKS))
def test_only_the_picked_paths_are_authenticated(tmp_path: Path, hook: str) -> None:
    files = {"app/__init__.py": "", "app/errors.py": "def problem(status, detail):\n    return status\n",
             "app/main.py": APP.format(hook=HOOKS[hook])}
    result = audit(tmp_path, files)
    open_routes = {f.message.split(":")[0] for f in result.findings if f.rule_id == "AS101"}
    assert any("/maintenance/purge" in r for r in open_routes), open_routes
    assert not any("/jobs" in r for r in open_routes), open_routes
