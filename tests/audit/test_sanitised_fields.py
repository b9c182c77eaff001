"""AS402: a template's raw output of a field that the project only ever fills with an HTML sanitiser's result is
safe HTML by construction (low); a field filled with anything else stays medium."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity

from .helpers import audit

#: a post kept in the database (a site that keeps nothing a visitor sends is low for any raw output)
_MODEL = """\
import sqlite3

import bleach
from markdown import markdown


class Post:
    def render(self, value):
        self.body_html = {value}
"""
_TEMPLATE = "<div>{{ post.body_html|safe }}</div>\n"
_APP = """\
from flask import Flask, render_template
app = Flask(__name__)


@app.route("/")
def index():
    return render_template("index.html", post=load())
"""


@pytest.mark.parametrize(("value", "medium"), [
    ("markdown(value)", True),                                              # must fire: raw Markdown output
    ("bleach.clean(markdown(value), tags=['p', 'a'], strip=True)", False),  # must stay quiet: sanitised
])
def test_a_field_filled_only_by_a_sanitiser_is_safe_to_emit_raw(tmp_path: Path, value: str, medium: bool) -> None:
    result = audit(tmp_path, {"models.py": _MODEL.format(value=value), "app.py": _APP,
                              "templates/index.html": _TEMPLATE})
    raw = [f for f in result.findings if f.rule_id == "AS402"]
    assert raw, "the raw output is still listed"
    assert any(f.severity >= Severity.MEDIUM for f in raw) is medium
