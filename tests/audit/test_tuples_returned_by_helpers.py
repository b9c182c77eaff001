"""A helper that returns a tuple (``return " AND ".join(conditions), params``) hands each element its own origin:
unpacking the call's result gives the SQL text the literals it was joined from and the parameters the request
values, so a query run with its parameters apart is not a proven injection, while formatting the tainted element
into the text still is."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_HELPER = ("def where_of(owner, k):\n    conditions = ['owner=%s']\n    params = [owner]\n    if k:\n"
           "        conditions.append('k=%s')\n        params.append(k)\n    return ' AND '.join(conditions), params\n")


@pytest.mark.parametrize(("query", "proven"), [
    # must stay quiet: the text holds the helper's literals, the request values travel as parameters
    ("cur.execute(f'SELECT * FROM t WHERE {where}', params)", False),
    # must fire: the element carrying request data is formatted into the text
    ("cur.execute(f'SELECT * FROM t WHERE owner = {params[0]}')", True),
    ("cur.execute(f'SELECT * FROM t WHERE {params}')", True),
])
def test_each_element_of_a_returned_tuple_keeps_its_own_origin(tmp_path: Path, query: str, proven: bool) -> None:
    app = ("import sqlite3\nfrom flask import Flask, request\nfrom q import where_of\napp = Flask(__name__)\n"
           "@app.route('/t')\ndef t():\n    cur = sqlite3.connect('x').cursor()\n"
           "    where, params = where_of(request.args['o'], request.args['k'])\n"
           f"    {query}\n    return 'ok'\n")
    result = audit(tmp_path, {"app.py": app, "q.py": _HELPER})
    hits = [f for f in result.findings if f.rule_id == "AS801" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is proven
