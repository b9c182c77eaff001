"""A body field the description types as a number may still be pasted into SQL text: the quote goes in as a
string. A server that builds SQL from it answers with the database's error (must fire); one that checks the
type refuses the string with a 400 (must stay quiet)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

PATHS = {"/bills": {"post": {"requestBody": {"content": {"application/json": {"schema": {
    "type": "object", "properties": {"biller_id": {"type": "integer"}, "amount": {"type": "number"}},
    "required": ["biller_id", "amount"]}}}}, "responses": {"200": {"description": "paid"}}}}}


def _app(pasted: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not path.startswith("/bills") or method != "POST":
            return 404, {}, {"error": "not found"}
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return 400, {}, {"error": "invalid JSON"}
        biller = data.get("biller_id") if isinstance(data, dict) else None
        if not pasted and not isinstance(biller, int):
            return 400, {}, {"error": "biller_id must be an integer"}
        if pasted and "'" in str(biller):
            return 500, {}, {"error": f"syntax error at or near \"'\" LINE 1: SELECT * FROM t WHERE id = {biller}"}
        return 200, {}, {"status": "paid"}
    return app


@pytest.mark.parametrize("pasted", [True, False])
def test_a_quote_goes_into_number_typed_body_fields(tmp_path: Path, pasted: bool) -> None:
    with loopback(_app(pasted)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("injection",))
    assert (("PR-SQLI-001", "POST", "/bills") in findings_at(result)) is pasted
