"""A comprehension's value is what its elements are: ``"".join("33" for _ in range(len(text)))`` repeats a literal,
however long the request's text is, so a template built from it holds nothing a client wrote and nothing of unknown
origin. A comprehension over the request's own characters still carries them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """\
from flask import Flask, render_template_string, request

app = Flask(__name__)


@app.post("/posts")
def create():
    content = request.form.get("content", "")
    return render_template_string({template})
"""


@pytest.mark.parametrize(("template", "fires"), [
    ('f\'1{"".join("33" for _ in range(len(content)))}7 detected\'', False),  # must stay quiet: a repeated literal
    ('"<p>" + ", ".join(["x" for _ in content]) + "</p>"', False),
    ('f\'{"".join(c.lower() for c in content if c != " ")} detected\'', True),  # must fire: the client's characters
    ('"".join([content[i] for i in range(3)])', True),
])
def test_a_comprehension_of_literals_carries_no_request_text(tmp_path: Path, template: str, fires: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(template=template)})
    assert any(f.rule_id == "AS403" for f in result.findings) is fires


_ROWS = """\
import sqlite3

from flask import Flask

app = Flask(__name__)


def current_user():
    cursor = sqlite3.connect("chat.db").cursor()
    cursor.execute("SELECT * FROM user WHERE id = ?", (1,))
    row = cursor.fetchone()
    if row:
        columns = [c[0] for c in cursor.description]
        return {{columns[i]: row[i] for i in range(len(columns))}}
    return None


@app.post("/notify")
def notify():
    cursor = sqlite3.connect("chat.db").cursor()
    user = current_user()
    cursor.execute(f"INSERT INTO notification (content) VALUES ('New message from {{{expr}}}')")
    return "ok"
"""


@pytest.mark.parametrize(("expr", "fires"), [
    ("user['username']", True),  # must fire: a mapping built from a row's cells is no literal
    ("''.join('x' for _ in range(3))", False),
])
def test_a_mapping_built_from_a_rows_cells_keeps_its_origin_unknown(tmp_path: Path, expr: str, fires: bool) -> None:
    result = audit(tmp_path, {"app.py": _ROWS.format(expr=expr)})
    assert any(f.rule_id == "AS801" for f in result.findings) is fires
