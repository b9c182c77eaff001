"""A listing whose items are served one by one to anonymous callers anyway is public by nature (a catalogue) — but
only when those item reads are themselves open with nothing saying they should not be. An item read that is
reported for what it shows (people's records) makes no listing of the same records public."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from flask import Flask, jsonify
from flask_login import login_required
from models import {model}
app = Flask(__name__)
@app.route('/api/v1/account', methods=['POST'])
@login_required
def account():
    return jsonify(ok=True)
@app.get('/api/v1/{coll}/<int:item_id>')
def get_item(item_id):
    return jsonify({model}.query.get_or_404(item_id).to_dict())
@app.get('/api/v1/{coll}')
def list_items():
    return jsonify([x.to_dict() for x in {model}.query.all()])
"""


@pytest.mark.parametrize(("coll", "model", "medium"), [
    ("users", "User", True),  # must fire: people's records, their item read reported too
    ("widgets", "Widget", False),  # must stay quiet (low): a catalogue served item by item to anyone
])
def test_a_listing_is_public_only_beside_item_reads_nothing_marks_private(tmp_path: Path, coll: str, model: str,
                                                                          medium: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(coll=coll, model=model)})
    listing = [f for f in result.findings if f.rule_id == "AS101" and f"GET /api/v1/{coll} (" in f.message]
    assert listing, "the listing stays listed"
    assert any(f.severity >= Severity.MEDIUM for f in listing) is medium


def test_a_listing_beside_item_reads_whose_writes_need_a_login_stays_low(tmp_path: Path) -> None:
    """The item read is public on purpose (its update needs a login, its read does not): so is the listing."""
    source = _APP.format(coll="users", model="User") + (
        "@app.put('/api/v1/users/<int:item_id>')\n@login_required\ndef update_item(item_id):\n"
        "    return jsonify(ok=True)\n")
    result = audit(tmp_path, {"app.py": source})
    listing = [f for f in result.findings if f.rule_id == "AS101" and "GET /api/v1/users (" in f.message]
    assert listing and all(f.severity == Severity.LOW for f in listing)
