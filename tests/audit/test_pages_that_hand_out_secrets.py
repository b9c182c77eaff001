"""A route that builds its answer from people's passwords or card numbers must be guarded whether or not the app
has users of its own (AS101 at medium or higher); a page showing a product, or a form whose password field is
empty, is not evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
import sqlite3
from flask import Flask, render_template, request
app = Flask(__name__)


@app.route('/lookup')
def lookup():
    row = sqlite3.connect('app.db').execute('SELECT * FROM items WHERE id = ?', (request.args['id'],)).fetchone()
    return render_template('item.html', {fields})
"""


@pytest.mark.parametrize(("fields", "reported"), [
    # must fire: the page carries a stored password or card number
    ("username=row[1], password=row[2], email=row[3]", True),
    ("name=row[1], credit_card=row[4]", True),
    # must stay quiet: a catalogue entry; an empty password field of a form
    ("name=row[1], price=row[2]", False),
    ("name=row[1], password=None", False),
])
def test_a_page_built_from_passwords_or_card_numbers_needs_a_guard(tmp_path: Path, fields: str,
                                                                   reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(fields=fields)})
    hits = [f for f in result.findings if f.rule_id == "AS101" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported
