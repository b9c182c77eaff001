"""A record class built from request data (a pydantic model, a dataclass) carries it in its fields: a sink fed
``FetchRequest(**body).url`` is fed request data; a class with its own ``__init__`` is not assumed to."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = ("from flask import Flask, jsonify, request\nfrom pydantic import BaseModel\nimport requests\n"
        "{schema_import}app = Flask(__name__)\n{schema}"
        "@app.route('/fetch', methods=['POST'])\ndef fetch():\n    req = FetchRequest(**request.get_json())\n"
        "    r = requests.request(req.method, req.url, timeout=5)\n    return jsonify({{'r': r.text}})\n")
_RECORD = "class FetchRequest(BaseModel):\n    url: str\n    method: str = 'GET'\n"
_FIXED = ("class FetchRequest:\n    def __init__(self, **kw):\n        self.url = 'https://api.example.com/'\n"
          "        self.method = 'GET'\n")


@pytest.mark.parametrize("where", ["here", "imported"])
@pytest.mark.parametrize(("schema", "reported"), [(_RECORD, True), (_FIXED, False)])
def test_a_record_built_from_the_body_carries_request_data(tmp_path: Path, where: str, schema: str,
                                                            reported: bool) -> None:
    if where == "here":
        files = {"app.py": _APP.format(schema_import="", schema=schema)}
    else:
        files = {"app.py": _APP.format(schema_import="from schemas import FetchRequest\n", schema=""),
                 "schemas.py": "from pydantic import BaseModel\n" + schema}
    result = audit(tmp_path, files)
    proven = [f for f in result.findings if f.rule_id == "AS805" and f.message.startswith("request data reaches")]
    assert bool(proven) is reported
