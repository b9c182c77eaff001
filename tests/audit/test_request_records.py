"""A record class built from request data (a pydantic model, a dataclass) carries it in its fields: a sink fed
``FetchRequest(**body).url`` is fed request data; a class with its own ``__init__`` is not assumed to."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = ("from flask import Flask, jsonify, request\nfrom pydantic import BaseModel, field_validator\nimport requests\n"
        "ALLOWED_URLS = {{'https://api.example.com/'}}\n"
        "{schema_import}app = Flask(__name__)\n{schema}"
        "@app.route('/fetch', methods=['POST'])\ndef fetch():\n    req = FetchRequest(**request.get_json())\n"
        "    r = requests.request(req.method, req.url, timeout=5)\n    return jsonify({{'r': r.text}})\n")
_RECORD = "class FetchRequest(BaseModel):\n    url: str\n    method: str = 'GET'\n"
_ALLOW_LISTED = (_RECORD + "    @field_validator('url')\n    def known(cls, v):\n"
                 "        if v not in ALLOWED_URLS:\n            raise ValueError('unknown')\n        return v\n")
_CHECKED = (_RECORD + "    @field_validator('url')\n    def present(cls, v):\n"
            "        if not v:\n            raise ValueError('empty')\n        return v.strip()\n")
_FIXED = ("class FetchRequest:\n    def __init__(self, **kw):\n        self.url = 'https://api.example.com/'\n"
          "        self.method = 'GET'\n")


@pytest.mark.parametrize("where", ["here", "imported"])
@pytest.mark.parametrize(("schema", "reported"), [(_RECORD, True), (_CHECKED, True), (_FIXED, False),
                                                  (_ALLOW_LISTED, False)])
def test_a_record_built_from_the_body_carries_request_data(tmp_path: Path, where: str, schema: str,
                                                            reported: bool) -> None:
    if where == "here":
        files = {"app.py": _APP.format(schema_import="", schema=schema)}
    else:
        files = {"app.py": _APP.format(schema_import="from schemas import FetchRequest\n", schema=""),
                 "schemas.py": "from pydantic import BaseModel, field_validator\nALLOWED_URLS = {'https://a.example/'}\n"
                 + schema}
    result = audit(tmp_path, files)
    proven = [f for f in result.findings if f.rule_id == "AS805" and f.message.startswith("request data reaches")]
    assert bool(proven) is reported
