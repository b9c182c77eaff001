"""A ``setattr`` loop copies every field the client sent onto a record (AS106) also when the request's data passed
through local names first (``data = request.get_json() or {}``; ``for item in data.get('products', [])``). A loop
over a dict the server built, or over a name that held request data only in another handler, is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """\
from flask import Flask, jsonify, request
app = Flask(__name__)


@app.put('/me')
def update_me():
{body}
    db.session.commit()
    return jsonify({{}})


@app.get('/other')
def other():
    data = request.get_json()
    return jsonify(data)
"""

REPORTED = {
    "the body through one name": "    data = request.get_json(silent=True) or {}\n"
                                 "    for k, v in data.items():\n        setattr(user, k, v)\n",
    "each item of a list in the body": "    data = request.json\n    for item in data.get('products', []):\n"
                                       "        for k, v in item.items():\n            setattr(product, k, v)\n",
}
QUIET = {
    "a dict the server built": "    data = {'name': request.json['name']}\n    fields = defaults()\n"
                               "    for k, v in fields.items():\n        setattr(user, k, v)\n",
}


def _found(tmp_path: Path, body: str) -> bool:
    result = audit(tmp_path, {"app.py": _APP.format(body=body)})
    return any(f.rule_id == "AS106" for f in result.findings)


@pytest.mark.parametrize("case", sorted(REPORTED))
def test_a_setattr_loop_over_request_data_held_in_local_names_is_mass_assignment(tmp_path: Path, case: str) -> None:
    assert _found(tmp_path, REPORTED[case])


@pytest.mark.parametrize("case", sorted(QUIET))
def test_a_setattr_loop_over_server_data_is_quiet(tmp_path: Path, case: str) -> None:
    assert not _found(tmp_path, QUIET[case])
