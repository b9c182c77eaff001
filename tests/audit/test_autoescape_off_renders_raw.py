"""A Flask module that switches autoescaping off (``app.jinja_env.autoescape = False``) prints every template variable
as raw HTML: request data handed to ``render_template_string`` or ``render_template`` there is reflected XSS
(AS404), as it is through ``|safe``. With autoescaping on (Flask's default for HTML), the same render is escaped."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from flask import Flask, request, render_template_string
app = Flask(__name__)
{switch}
PAGE = "<html><body><p>{{{{ message }}}}</p></body></html>"

@app.route("/dashboard")
def dashboard():
    return render_template_string(PAGE, message=request.args.get("msg", ""))
"""


@pytest.mark.parametrize(("switch", "reported"), [
    ("app.jinja_env.autoescape = False", True),  # must fire: the variable is printed raw
    ('app.jinja_options["autoescape"] = False', True),
    ("", False),  # must stay quiet: Flask escapes it
    ("app.jinja_env.autoescape = True", False),
])
def test_request_data_rendered_with_autoescape_off_is_reflected_xss(tmp_path: Path, switch: str,
                                                                   reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(switch=switch)})
    xss = [f for f in result.findings if f.rule_id == "AS404" and f.severity >= Severity.MEDIUM]
    assert bool(xss) is reported
    # the switch itself is AS401's finding, read by the same predicate
    assert any(f.rule_id == "AS401" for f in result.findings) is reported
