"""A mapping built by a comprehension keyed by the code's own words (``{param: spec[param] for param in COLUMNS}``)
has literal keys: SQL naming its keys (``' AND '.join(f'{p}=?' for p in filters.keys())``) with the client's values
bound is no injection (AS801). Its values formatted into the text, or a mapping keyed by what the client sent, still
are."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)
COLUMNS = ("pkg_name", "pkg_version", "compiler_name")


@app.get("/sample")
def sample():
    spec = request.get_json()
    filters = {build}
    db = sqlite3.connect("jobs.db")
    query = f"SELECT cpu FROM jobs WHERE {{' AND '.join(f'{{param}}=?' for param in {named})}}"
    return jsonify(db.execute(query, list(filters.values())).fetchall())
'''


@pytest.mark.parametrize(("build", "named", "reported"), [
    ("{param: spec[param] for param in COLUMNS}", "filters.keys()", False),
    ("{param: spec[param] for param in COLUMNS}", "filters", False),
    ("{param: spec[param] for param in COLUMNS}", "filters.values()", True),
    ("{param: spec[param] for param in spec}", "filters.keys()", True),
])
def test_sql_naming_the_codes_own_keys_is_no_injection(tmp_path: Path, build: str, named: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": APP.format(build=build, named=named)})
    assert any(f.rule_id == "AS801" and f.severity.name in {"HIGH", "CRITICAL", "MEDIUM"}
               for f in result.findings) is reported
