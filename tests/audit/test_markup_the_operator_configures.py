"""HTML the operator writes into the configuration for a page (a maintenance notice, a footer) is emitted raw by
design: ``Markup(app.config.get('NOTICE'))`` and ``{{ notice|safe }}`` filled only from the configuration stay low
(AS402). The same output filled from the request, or from the configuration in one render and the request in
another, is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

#: the app keeps its data in a database (a site that keeps nothing a visitor sends is low for any raw output)
_APP = """\
import sqlite3

from flask import Flask, render_template, request
from markupsafe import Markup

app = Flask(__name__)


@app.route("/")
def index():
{body}
"""


@pytest.mark.parametrize(("body", "medium"), [
    ("    if notice := app.config.get('READ_ONLY_NOTICE'):\n        return Markup(notice), 503\n    return 'ok'",
     False),  # must stay low: the operator's text
    ("    return Markup(app.config['FOOTER_HTML'])", False),
    ("    return Markup(request.args.get('notice', ''))", True),  # must fire: the visitor's text
])
def test_markup_of_the_configuration(tmp_path: Path, body: str, medium: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(body=body)})
    found = [f for f in result.findings if f.rule_id == "AS402"]
    assert found and any(f.severity > Severity.LOW for f in found) is medium


@pytest.mark.parametrize(("second", "medium"), [
    ("app.config.get('READ_ONLY_NOTICE')", False),  # must stay low: every render passes the configuration
    ("request.args.get('notice')", True),  # must fire: one render passes what the visitor sent
])
def test_a_template_variable_every_render_fills_from_the_configuration(tmp_path: Path, second: str,
                                                                       medium: bool) -> None:
    body = ("    return render_template('page.html', notice=app.config.get('READ_ONLY_NOTICE'))\n\n\n"
            "@app.route('/other')\ndef other():\n"
            f"    return render_template('page.html', notice={second})")
    files = {"app.py": _APP.format(body=body), "templates/page.html": "<p>{{ notice|safe }}</p>\n"}
    found = [f for f in audit(tmp_path, files).findings if f.rule_id == "AS402"]
    assert found and any(f.severity > Severity.LOW for f in found) is medium


@pytest.mark.parametrize(("value", "medium"), [
    ("frame.to_html(classes='table')", False),  # must stay low: pandas escapes the cells
    ("frame.to_html(escape=False)", True),  # must fire: told not to escape
])
def test_a_template_variable_filled_with_a_pandas_table(tmp_path: Path, value: str, medium: bool) -> None:
    body = f"    frame = load_frame()\n    return render_template('page.html', table={value})"
    files = {"app.py": _APP.format(body=body), "templates/page.html": "<div>{{ table|safe }}</div>\n"}
    found = [f for f in audit(tmp_path, files).findings if f.rule_id == "AS402"]
    assert found and any(f.severity > Severity.LOW for f in found) is medium
