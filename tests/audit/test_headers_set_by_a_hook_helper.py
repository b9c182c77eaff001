"""An ``after_request`` hook that hands the response to a helper which sets the security headers (often in a module of
its own) protects every page like a hook that sets them itself; a hook whose helper sets other headers does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''from flask import Flask, render_template
from app.headers import decorate

app = Flask(__name__)


@app.after_request
def after_request(response):
    return decorate(response)


@app.route("/")
def home():
    return render_template("home.html")
'''
SECURE = '''def decorate(response):
    response.headers["Content-Security-Policy"] = "default-src 'self'"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
'''
OTHER = '''def decorate(response):
    response.headers["X-Powered-By"] = "cats"
    return response
'''


@pytest.mark.parametrize(("helper", "reported"), [(SECURE, False), (OTHER, True)])
def test_security_headers_set_by_a_helper_of_an_after_request_hook(tmp_path: Path, helper: str,
                                                                     reported: bool) -> None:
    result = audit(tmp_path, {"app/__init__.py": APP, "app/headers.py": helper,
                              "app/templates/home.html": "<p>hi</p>\n"})
    assert any(f.rule_id == "AS304" for f in result.findings) is reported
