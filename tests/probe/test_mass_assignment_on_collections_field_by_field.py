"""Mass assignment on a collection the probe creates in: the undeclared fields the object's own read shows (a flag,
a number) and the privileged ones are sent all at once, and, when the API refuses that batch (a column-per-key INSERT
fails on the first key that is no column), one at a time, the object's own fields first. A finding needs the value
in a separate read; an API that drops undeclared keys stays quiet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

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

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        uid = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if uid is None:
            return 401, {}, {"error": "no token"}
        route = path.split("?")[0].rstrip("/")
        if route == "/api/expenses" and method == "POST":
            sent = json.loads(body or b"{}")
            if not isinstance(sent, dict):
                return 400, {}, {"error": "object expected"}
            if keys == "columns" and set(sent) - COLUMNS:
                return 500, {}, {"error": f"table expenses has no column named {sorted(set(sent) - COLUMNS)[0]}"}
            kept = {k: v for k, v in sent.items() if k in COLUMNS and (keys == "columns" or k != "is_approved")}
            row = {"id": len(rows) + 1, "user_id": uid, "is_approved": 0, **kept}
            rows[row["id"]] = row
            return 201, {}, {"id": row["id"]}
        if route == "/api/expenses" and method == "GET":
            return 200, {}, [r for r in rows.values() if r["user_id"] == uid]
        if route.startswith("/api/expenses/") and method == "GET":
            key = route.rsplit("/", 1)[1]
            row = rows.get(int(key)) if key.isdigit() else None
            return (200, {}, row) if row and row["user_id"] == uid else (404, {}, {"error": "not found"})
        return 404, {}, {"error": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("mass_assignment",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    mass = [f for f in findings_at(result) if f[0] == "PR-MASS-001"]
    assert bool(mass) is found, findings_at(result)
