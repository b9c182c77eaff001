"""A creation whose documented body carries no marker of the probe's (every field has an example) gets its marker in
a documented free-text field, not in a field the API never declared: an API that refuses unknown fields (or writes
each key as a column) still lets the probe create its objects, so the cross-identity reads run. Where the body has
no free-text field at all, the marker still goes in a field of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths, rows_app

BEARER = [{"bearerAuth": []}]
TOKENS = {"tok-alice": 11, "tok-bob": 12}
ITEM = {"name": "expense_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _spec(properties: dict[str, Any]) -> dict[str, Any]:
    body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": list(properties), "properties": properties}}}}
    return {"/api/expenses": {"get": {"security": BEARER, "responses": OK},
                              "post": {"security": BEARER, "requestBody": body,
                                       "responses": {"201": {"description": "created"}}}},
            "/api/expenses/{expense_id}": {"get": {"parameters": [ITEM], "security": BEARER, "responses": OK}}}


TEXT = {"description": {"type": "string", "example": "team lunch"},
        "amount_cents": {"type": "integer", "example": 4200}}
NUMBERS = {"amount_cents": {"type": "integer", "example": 4200}}


@pytest.mark.parametrize(("properties", "strict", "found"), [
    (TEXT, True, True),  # the marker rides in 'description': objects are created and read across
    (TEXT, False, True),
    (NUMBERS, False, True),  # no free-text field: a field of its own, which this API keeps
], ids=["strict-api-free-text", "lenient-api-free-text", "no-free-text-field"])
def test_the_marker_rides_in_a_documented_field(tmp_path: Path, properties: dict[str, Any], strict: bool,
                                                 found: bool) -> None:
    rows: dict[int, dict[str, Any]] = {}

    def store(sent: dict[str, Any], uid: int) -> Answer | dict[str, Any]:
        return (422, {}, {"error": "unknown field"}) if strict and set(sent) - set(properties) else sent

    app = rows_app("/api/expenses", TOKENS, store, rows)
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, _spec(properties), ("bola",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    read = [f for f in findings_at(result) if f[0] == "PR-BOLA-001"]
    assert bool(read) is found, findings_at(result)
    if properties is TEXT:
        assert all("title" not in r for r in rows.values()), rows
