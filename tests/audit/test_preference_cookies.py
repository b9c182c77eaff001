"""A raw cookie decoded into state with no signature check (AS506) is a hand-made session the visitor can rewrite. A
JSON cookie of the visitor's own choices (a cookie-consent banner's policy, a theme) holds nothing but what the visitor
may choose anyway: the finding stays, low. Any other decoded cookie, or a preferences cookie unpickled (code runs as
it loads), keeps its severity."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

APP = '''import {module}
from flask import Flask, current_app, request

app = Flask(__name__)


def {function}(key):
    if current_app.config["{setting}"] in request.cookies:
        saved = {module}.loads(request.cookies[current_app.config["{setting}"]])
        return saved.get(key)
    return None


@app.route("/")
def index():
    return str({function}("usage"))
'''


@pytest.mark.parametrize(("module", "function", "setting", "low"), [
    ("json", "cookie_preference", "COOKIE_PREFERENCES_KEY", True),  # must stay low: the visitor's own consent
    ("json", "current_theme", "THEME_COOKIE", True),  # must stay low: a display choice
    ("json", "load_state", "STATE_COOKIE", False),  # must fire: state the server acts on
    ("pickle", "cookie_preference", "COOKIE_PREFERENCES_KEY", False),  # must fire: unpickling runs code
])
def test_a_json_cookie_of_the_visitors_own_choices_is_low(tmp_path: Path, module: str, function: str, setting: str,
                                                          low: bool) -> None:
    source = APP.format(module=module, function=function, setting=setting)
    found = [f for f in audit(tmp_path, {"app.py": source}).findings if f.rule_id == "AS506"]
    assert found, "the decoded cookie is still listed"
    assert all(f.severity == Severity.LOW for f in found) is low
