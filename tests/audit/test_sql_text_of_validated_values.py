"""SQL text built from a value a pattern or a character test has validated before (``if not re.match(r"^\\d+$",
size): raise``) is no injection: also when the validated value is the match bound in the test (``if not (m :=
re.match(P, x))``, then ``m.groups()``), when the text is wrapped in SQLAlchemy's ``text()`` before it runs, and
when a helper validates one of its parameters and formats both into the clause it returns. The same text built from
the value unvalidated, or from the helper's other parameter carrying request data, still is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_APP = """\
import re
from fastapi import Depends, FastAPI
from sqlalchemy import text

app = FastAPI()
RANGE = r"^(\\d+)(\\.\\.\\d+)?$"


def get_db():
    yield None


def clause(quality: str, range_: str | None) -> str:
    if not range_:
        return ""
{guard}
    start, end = match.groups()
    value = f"value BETWEEN {{start}} AND {{end[2:]}}" if end else f"value={{start}}"
    return f" AND quality='{{quality}}' AND {{value}}"


@app.get("/items")
def items(size: str, name: str, db=Depends(get_db)):
    where = clause({quality}, size)
    return db.execute(text(f"SELECT * FROM t WHERE 1=1 {{where}}"))


@app.get("/one")
def one(size: str, db=Depends(get_db)):
{inline}
    return db.execute(text(f"SELECT * FROM t WHERE v={{size}}"))
"""

_WALRUS = "    if not (match := re.match(RANGE, range_)):\n        raise ValueError('bad range')"
_SEPARATE = "    match = re.match(RANGE, range_)\n    if not match:\n        raise ValueError('bad range')"
_UNCHECKED = "    match = re.match(r'(.*)(x)?', range_)"
_DIGITS = "    if not size.isdigit():\n        raise ValueError('bad')"
_PATTERN = "    if not re.match(r'^\\d+$', size):\n        raise ValueError('bad')"


@pytest.mark.parametrize("guard", [_WALRUS])
@pytest.mark.parametrize("inline", [_DIGITS, _PATTERN])
def test_validated_values_make_no_injection(tmp_path: Path, guard: str, inline: str) -> None:
    source = _APP.format(guard=guard, quality='"NumberOfInstances"', inline=inline)
    assert lines_of(audit(tmp_path, {"app.py": source}), "AS801") == []


def _line(source: str, text: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if text in line)


@pytest.mark.parametrize(("guard", "quality", "inline", "where"), [
    (_UNCHECKED, '"NumberOfInstances"', _DIGITS, "WHERE 1=1"),  # the helper's match is not tested
    (_WALRUS, "name", _DIGITS, "WHERE 1=1"),  # the helper's other parameter carries request data
    (_WALRUS, '"NumberOfInstances"', "    pass", "WHERE v="),  # the inline value is not validated
])
def test_unvalidated_values_still_inject(tmp_path: Path, guard: str, quality: str, inline: str, where: str) -> None:
    source = _APP.format(guard=guard, quality=quality, inline=inline)
    assert set(lines_of(audit(tmp_path, {"app.py": source}), "AS801")) == {_line(source, where)}


_TYPED = """\
from typing import Annotated, Optional
from {framework} import Query
from sqlalchemy import text
{app}


@{route}("/campaigns")
def campaigns(status: str = "", limit: {annotation} = Query(default=100), db=None):
    query = "SELECT * FROM campaigns WHERE status = :status"
    query += f" LIMIT {{limit}}"
    return db.execute(text(query), {{"status": status}})
"""
_FASTAPI = {"framework": "fastapi", "app": "from fastapi import FastAPI\napp = FastAPI()", "route": "app.get"}
_FLASK = {"framework": "flask", "app": "from flask import Flask\napp = Flask(__name__)\nQuery = dict",
          "route": "app.route"}


@pytest.mark.parametrize(("framework", "annotation", "fires"), [
    (_FASTAPI, "int", False), (_FASTAPI, "Optional[int]", False), (_FASTAPI, "int | None", False),
    (_FASTAPI, "Annotated[int, Query(ge=1)]", False), (_FASTAPI, "str", True),
    (_FLASK, "int", True),  # Flask does not convert an annotated argument: the annotation proves nothing
])
def test_a_parameter_a_validating_framework_converts_to_a_number(tmp_path: Path, framework: dict[str, str],
                                                                 annotation: str, fires: bool) -> None:
    source = _TYPED.format(annotation=annotation, **framework)
    assert bool(lines_of(audit(tmp_path, {"app.py": source}), "AS801")) is fires


_ROWS = """\
import os
import sqlite3
from flask import Flask, request, send_file

app = Flask(__name__)


@app.get("/avatar")
def avatar():
    user_id = request.args["id"]
    if not user_id.isdigit():
        return "bad", 400
    row = sqlite3.connect("x").execute(f"SELECT bio FROM users WHERE id={user_id}").fetchone()
    return send_file(os.path.join("/srv/uploads", row[0]))
"""


def test_rows_read_by_a_validated_query_still_carry_what_they_hold(tmp_path: Path) -> None:
    """The query's text was proven safe for SQL; the rows it answers were written by users and reach a path."""
    found = audit(tmp_path, {"app.py": _ROWS})
    assert lines_of(found, "AS801") == []
    assert lines_of(found, "AS806") == [_line(_ROWS, "send_file(")]
