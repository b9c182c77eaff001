"""Mass assignment on a collection the probe creates in: the undeclared fields the object's own read shows (a flag,
a number) and the privileged ones are sent all at once, and, when the API refuses that batch (a column-per-key INSERT
fails on the first key that is no column), one at a time, the object's own fields first. A finding needs the value
in a separate read; an API that drops undeclared keys stays quiet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths, rows_app

BEARER = [{"bearerAuth": []}]
TOKENS = {"tok-alice": 11, "tok-bob": 12}
ITEM = {"name": "expense_id", "in": "path", "required": True, "schema": {"type": "integer"}}
COLUMNS = {"description", "amount_cents", "is_approved"}
BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["description"], "properties": {
        "description": {"type": "string"}, "amount_cents": {"type": "integer"}}}}}}
SPEC = {"/api/expenses": {"get": {"security": BEARER, "responses": OK},
                          "post": {"security": BEARER, "requestBody": BODY,
                                   "responses": {"201": {"description": "created"}}}},
        "/api/expenses/{expense_id}": {"get": {"parameters": [ITEM], "security": BEARER, "responses": OK}}}


@pytest.mark.parametrize(("keys", "found"), [
    ("columns", True),  # every key a column: an unknown one fails the whole INSERT, is_approved alone sticks
    ("dropped", False),  # undeclared keys dropped: nothing sticks
], ids=["column-per-key", "undeclared-dropped"])
def test_undeclared_fields_tried_one_at_a_time(tmp_path: Path, keys: str, found: bool) -> None:
    rows: dict[int, dict[str, Any]] = {}

    def store(sent: dict[str, Any], uid: int) -> Answer | dict[str, Any]:
        if keys == "columns" and set(sent) - COLUMNS:
            return 500, {}, {"error": f"table expenses has no column named {sorted(set(sent) - COLUMNS)[0]}"}
        kept = {k: v for k, v in sent.items() if k in COLUMNS and (keys == "columns" or k != "is_approved")}
        return {"is_approved": 0, **kept}

    app = rows_app("/api/expenses", TOKENS, store, rows, owner_only=True)
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("mass_assignment",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    mass = [f for f in findings_at(result) if f[0] == "PR-MASS-001"]
    assert bool(mass) is found, findings_at(result)
