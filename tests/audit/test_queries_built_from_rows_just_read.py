"""A query formatted only from the columns of rows the function just read from the database (second-order at
worst) is listed low and named for it; a query that mixes in a value of other origin, or request data formatted
after the same read, keeps its severity."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity

from .helpers import audit

REPORT = """\
import sqlite3
from sqlalchemy import text


def report(cur, owner, extra):
    cur.execute("SELECT id, doctor FROM visits WHERE owner = ?", (owner,))
    {body}
"""


@pytest.mark.parametrize(("body", "severity"), [
    # a loop over fetched rows, a column picked by index and formatted through str()
    ('for visit in cur.fetchall():\n        doctor = visit[1]\n'
     '        cur.execute("SELECT name FROM doctors WHERE id = " + str(doctor))', Severity.LOW),
    # names unpacked by the loop over the fetched list, formatted into an f-string
    ('rows = cur.fetchall()\n    for (vid, doctor) in rows:\n'
     '        cur.execute(f"SELECT name FROM doctors WHERE id = {doctor} AND v = {vid}")', Severity.LOW),
    # one column of one row, straight from fetchone(), stored in a dict item on the way
    ('info = {}\n    info["id"] = cur.fetchone()[0]\n'
     '    cur.execute("SELECT * FROM doctors WHERE id = %s" % info["id"])', Severity.LOW),
    # an ORM object's column (its primary key, a number the database gave, is no input at all)
    ('user = session.query(User).filter_by(id=owner).first()\n'
     '    cur.execute(f"SELECT * FROM notes WHERE author = \'{user.name}\'")', Severity.LOW),
    # a row column beside a value of unknown origin: still worth reading
    ('for visit in cur.fetchall():\n'
     '        cur.execute(f"SELECT name FROM doctors WHERE id = {visit[1]} AND {extra}")', Severity.MEDIUM),
    # the name was a row once, then reassigned from elsewhere before the query
    ('doctor = cur.fetchone()[1]\n    doctor = extra\n'
     '    cur.execute("SELECT name FROM doctors WHERE id = " + str(doctor))', Severity.MEDIUM),
    # SQLAlchemy's text(), on a row the session's execute() fetched, beside arithmetic on row columns
    ('row = db.session.execute(text("SELECT * FROM cart")).fetchone()\n'
     '    left = row.quantity - row.sold\n'
     '    db.session.execute(text("UPDATE cart SET n = " + str(left) + " WHERE id = " + str(row.id)))',
     Severity.LOW),
], ids=["loop-column", "loop-unpacked", "dict-item", "orm-attribute", "mixed-with-unknown", "reassigned",
        "text-and-arithmetic"])
def test_queries_built_from_rows_just_read(tmp_path: Path, body: str, severity: Severity) -> None:
    result = audit(tmp_path / "project", {"report.py": REPORT.format(body=body)})
    assert [f.severity for f in result.findings if f.rule_id == "AS801"] == [severity]


def test_request_data_beside_a_row_column_is_still_a_proven_flow(tmp_path: Path) -> None:
    app = ("import sqlite3\nfrom flask import Flask, request\napp = Flask(__name__)\n\n\n@app.route('/v')\n"
           "def v():\n    cur = sqlite3.connect('v.db').cursor()\n"
           "    row = cur.execute('SELECT id FROM v').fetchone()\n"
           "    cur.execute(f\"SELECT * FROM d WHERE id = {row[0]} AND tag = '{request.args['t']}'\")\n"
           "    return 'ok'\n")
    result = audit(tmp_path / "project", {"app.py": app})
    assert [f.severity for f in result.findings if f.rule_id == "AS801"] == [Severity.CRITICAL]


ROUTE = """\
from flask import Flask
from sqlalchemy import text
app = Flask(__name__)


@app.route("/product/{converter}/rate", methods=["POST"])
def rate(id):
    avg = db.session.execute(text("SELECT AVG(rating) FROM comment WHERE product_id = :p"), {{"p": id}}).fetchone()[0]
    db.session.execute(text("UPDATE product SET rating = " + str(round(avg, 1)) + " WHERE id = " + str(id)))
    return "ok"
"""


@pytest.mark.parametrize(("converter", "reported"), [("<int:id>", False), ("<id>", True)],
                         ids=["numeric-converter", "text-parameter"])
def test_a_numeric_route_parameter_beside_a_row_column(tmp_path: Path, converter: str, reported: bool) -> None:
    """Flask's ``<int:id>`` can only carry digits; an untyped ``<id>`` is request text and a proven flow."""
    result = audit(tmp_path / "project", {"app.py": ROUTE.format(converter=converter)})
    assert any(f.rule_id == "AS801" and f.severity >= Severity.MEDIUM for f in result.findings) is reported
