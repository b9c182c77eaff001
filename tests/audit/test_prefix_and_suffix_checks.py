"""What a check on a value's start or end proves. A fixed start confines a URL's host (a redirect to a local path)
but not what follows it: a form key that starts with ``order_again_`` still carries its own text into SQL, and an
upload named ``*.pickle`` still carries its own bytes into ``pickle.loads``. A value proven to be one quoted string
literal (starts and ends with a quote, none inside) is safe for ``eval``: evaluating it gives that string."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_APP = """\
import pickle
import sqlite3
from flask import Flask, redirect, request

app = Flask(__name__)


@app.post("/orders")
def orders():
    for key in request.form:
        if key.startswith("order_again_"):
            order_id = key.split("_")[2]
            sqlite3.connect("x").execute("SELECT * FROM orders WHERE id =" + order_id)
    return "ok"


@app.post("/import")
def import_data():
    upload = request.files["file"]
    if upload.filename.endswith(".pickle"):
        return str(pickle.loads(upload.read()))
    return "no", 400


@app.get("/go")
def go():
    target = request.args["next"]
    if not target.startswith("/"):
        return "no", 400
    return redirect(target)


@app.post("/calc")
def calc():
    bar = request.form["expr"]
    if {check}:
        return "Eval argument must be a plain string literal."
    return str(eval(bar))
"""

_LITERAL = """not bar.startswith("'") or not bar.endswith("'") or "'" in bar[1:-1]"""
_ENDS_ONLY = """not bar.startswith("'") or not bar.endswith("'")"""


def _line(source: str, text: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if text in line)


@pytest.mark.parametrize(("check", "eval_flagged"), [(_LITERAL, False), (_ENDS_ONLY, True)])
def test_what_a_check_on_the_start_or_end_proves(tmp_path: Path, check: str, eval_flagged: bool) -> None:
    source = _APP.format(check=check)
    findings = audit(tmp_path, {"app.py": source})
    assert _line(source, "SELECT * FROM orders") in lines_of(findings, "AS801")
    assert _line(source, "pickle.loads") in lines_of(findings, "AS804")
    assert lines_of(findings, "AS807") == []  # the redirect stays on the site's own paths
    assert (_line(source, "eval(bar)") in lines_of(findings, "AS803")) is eval_flagged
