"""A path that names private records (``/settings``, ``/invoices``, a customer's ``/messages`` or ``/transactions``:
the same words that make an unchecked read by id medium for AS102) is evidence that an unguarded route should have
been guarded; a path that names a computation (``/statistics`` of a raster, a dataset) is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = '''
from flask import Flask, jsonify, request
from flask_login import LoginManager, login_required

app = Flask(__name__)
login = LoginManager(app)


@app.get("/projects")
@login_required
def projects():
    return jsonify([])


@app.get("/{path}")
def view():
    return jsonify(compute(request.args.get("url")))
'''


@pytest.mark.parametrize(("path", "reported"), [("settings", True), ("invoices", True), ("messages", True),
                                                ("transactions", True), ("statistics", False), ("stats", False)])
def test_a_path_naming_private_records_is_evidence(tmp_path: Path, path: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.replace("{path}", path)})
    medium = [f for f in result.findings if f.rule_id == "AS101" and f.severity >= Severity.MEDIUM]
    assert bool(medium) is reported
