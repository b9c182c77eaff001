"""A query string built by ``urlencode`` carries every quote and angle bracket of the values percent-encoded, so
markup that embeds it draws no markup of the client's (AS404 quiet); the same value formatted in raw still fires."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import audit

_APP = """\
from urllib.parse import urlencode
from flask import Flask, request
app = Flask(__name__)


@app.route("/switch")
def switch():
    q = request.args.get("q", "")
    return f'<a href="/switch?{{{link}}}">again</a>'
"""


@pytest.mark.parametrize(("link", "reported"), [
    ('urlencode({"q": q})', False),
    ('"q=" + q', True),
])
def test_an_urlencoded_query_in_markup_is_not_reflected_markup(tmp_path: Path, link: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(link=link)})
    assert any(f.rule_id == "AS404" for f in result.findings) is reported
