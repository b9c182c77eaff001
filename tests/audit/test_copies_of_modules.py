"""A Python file whose name holds a space or a parenthesis (``views (copy 1).py``, a file manager's copy) cannot be
loaded by an import statement: unless another file names it, its findings stay, low. The module it copies keeps its
findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_VIEWS = """\
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.get("/products")
def products():
    q = request.args["q"]
    return {"rows": sqlite3.connect("shop.db").execute(f"SELECT * FROM products WHERE name = '{q}'").fetchall()}
"""


@pytest.mark.parametrize(("name", "loader", "medium"), [
    ("views (copy 1).py", "", False),  # must stay quiet at medium: nothing can import it
    ("views copy.py", "", False),
    ("views (copy 1).py", "runpy.run_path('views (copy 1).py')\n", True),  # must fire: a file names it
    ("views_copy.py", "", True),  # an importable name
])
def test_a_copy_no_import_can_name_is_low(tmp_path: Path, name: str, loader: str, medium: bool) -> None:
    result = audit(tmp_path, {"views.py": _VIEWS, name: _VIEWS, "run.py": "import runpy\n" + loader})
    in_copy = [f for f in result.findings if f.rule_id == "AS801" and f.location and f.location.path == name]
    assert in_copy, "reported either way"
    assert any(f.severity >= Severity.MEDIUM for f in in_copy) is medium
    assert any(f.severity >= Severity.MEDIUM for f in result.findings if f.rule_id == "AS801"
               and f.location and f.location.path == "views.py")
