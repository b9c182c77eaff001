"""``request.path`` is the text the client asked for, decoded (``/%3Cscript%3E`` arrives as ``/<script>``), wherever
the router did not pin it: in an error handler (``@app.errorhandler(404)`` answers any path) and in a route whose
pattern has parameters. Formatted into an HTML answer there it is reflected XSS. In a route of a fixed pattern it is
that pattern, and stays quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_APP = """\
from flask import Flask, request

app = Flask(__name__)


{decorator}
def page(*args, **kwargs):
    path = request.path
    return f"<h1>Not here</h1><p>Path: {{path}}</p>"
"""


@pytest.mark.parametrize(("decorator", "reported"), [
    ("@app.errorhandler(404)", True),
    ('@app.route("/files/<path:name>")', True),
    ('@app.route("/about")', False),
])
def test_the_request_path_in_an_html_answer(tmp_path: Path, decorator: str, reported: bool) -> None:
    found = lines_of(audit(tmp_path, {"app.py": _APP.format(decorator=decorator)}), "AS404")
    assert bool(found) is reported
