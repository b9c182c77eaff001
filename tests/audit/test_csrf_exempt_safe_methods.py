"""CSRF protection (Flask-WTF ``CSRFProtect``) never checks GET/HEAD/OPTIONS: ``@csrf.exempt`` on a route that
accepts only safe methods changes nothing and is not a CSRF finding (AS501); on a route that accepts POST, or
whose methods are unknown, it still is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit


@pytest.mark.parametrize(("route", "reported"), [
    ("@app.route('/report')", False),
    ("@app.route('/report', methods=['GET'])", False),
    ("@app.get('/report')", False),
    ("@app.route('/report', methods=['GET', 'POST'])", True),
    ("@app.post('/report')", True),
    ("@app.route('/report', methods=METHODS)", True),
])
def test_csrf_exempt_matters_only_on_unsafe_methods(tmp_path: Path, route: str, reported: bool) -> None:
    source = ("from flask import Flask, session\nfrom flask_wtf.csrf import CSRFProtect\n\napp = Flask(__name__)\n"
              "csrf = CSRFProtect(app)\nMETHODS = ['GET', 'POST']\n\n\n"
              f"{route}\n@csrf.exempt\ndef report():\n    session['seen'] = True\n    return 'ok'\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS501" for f in result.findings) is reported
