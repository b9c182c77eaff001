"""SQL assembled from the code's own words is no injection: a ``SET`` clause joined from fragments the code appended
(``updates.append("name = :name")``), or a column list kept in a module constant (``USER_COLUMNS = ['id', 'email']``),
formatted into the statement while every value is bound. A fragment carrying request data, or a list built from a
helper's parameter, is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_APP = """\
import sqlalchemy
from flask import Flask, request

app = Flask(__name__)
engine = sqlalchemy.create_engine("sqlite://")
COLUMNS = ['id', 'display_name', 'COALESCE(email, id) AS ref']


@app.post("/reviews/<int:rid>")
def update(rid):
    name = request.json.get("name")
    updates, data = [], {{"rid": rid}}
    if name is not None:
        updates.append({fragment})
        data["name"] = name
    query = sqlalchemy.text("UPDATE review SET {{s}} WHERE id = :rid".format(s=", ".join(updates)))
    with engine.begin() as connection:
        connection.execute(query, data)
    return "ok"


def get_user(connection, user_id):
    query = sqlalchemy.text("SELECT {{c}} FROM users WHERE id = :id".format(c=",".join({columns})))
    return connection.execute(query, {{"id": user_id}}).first()
"""


@pytest.mark.parametrize(("fragment", "columns", "lines"), [
    ('"name = :name"', "COLUMNS", []),  # must stay quiet: the code's own fragments and columns
    ('"name = \'" + name + "\'"', "COLUMNS", [16, 18]),  # must fire: the request's value in the fragment
    ('"name = :name"', "user_id", [23]),  # a helper's parameter joined in: of unknown origin
])
def test_sql_assembled_from_fragments(tmp_path: Path, fragment: str, columns: str, lines: list[int]) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(fragment=fragment, columns=columns)})
    assert lines_of(result, "AS801") == lines
