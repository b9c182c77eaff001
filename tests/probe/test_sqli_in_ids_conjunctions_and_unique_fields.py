"""SQL injection where a quote gives only a bare 500: an id pasted into SQL as a number (``WHERE id = `` + id),
where ``AND 1=1`` answers as the plain id and ``AND 1=2`` does not (the id matches a row, so every OR pair answers
alike), an action on a record (``POST /records/{id}/approve``) whose answer never changes but whose id takes a
numeric ``pg_sleep``, and a subscription whose e-mail must be unique (the description's example is taken, so the plain
value answers 500 until the body is made unique). Each must fire on the loopback app that pastes the value into
its SQL and stay quiet on its twin that reads the id as a number and binds the fields."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "example": 1}}]
SUBSCRIBE = {"content": {"application/json": {"schema": {"type": "object", "properties": {
    "email": {"type": "string", "example": "dewi@example.com"}, "role": {"type": "string", "example": "staff"}}}}}}
PATHS = {"/records/{id}": {"get": {"parameters": ID, "responses": OK}},
         "/records/{id}/approve": {"post": {"parameters": ID, "responses": OK}},
         "/subscribers": {"post": {"requestBody": SUBSCRIBE, "responses": {"201": {"description": "created"}}}}}
ERROR = (500, {}, {"success": False, "message": "Internal Server Error"})
SLEEP = re.compile(r"pg_sleep\((\d+)\)")


def _where(text: str) -> bool | None:
    """``WHERE id = <text>`` for the one row (id 1): True/False, or None for a syntax error."""
    m = re.fullmatch(r"(\d+)(?: AND (\d)([=>])(\d)| AND 1=\(SELECT 1 FROM pg_sleep\(\d+\)\))?", text)
    if m is None:
        return None
    if m.group(2) is None:
        return m.group(1) == "1"
    a, op, b = int(m.group(2)), m.group(3), int(m.group(4))
    return m.group(1) == "1" and (a == b if op == "=" else a > b)


def _app(pasted: bool) -> Any:
    emails = {"dewi@example.com"}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = [unquote(p) for p in urlsplit(path).path.split("/") if p]
        if parts[:1] == ["records"] and len(parts) in (2, 3):
            raw = parts[1]
            if not pasted:
                if not raw.isdigit():
                    return 400, {}, {"error": "id must be a number"}
                hit: bool | None = raw == "1"
            else:
                if sleep := SLEEP.search(raw):
                    time.sleep(int(sleep.group(1)))
                hit = _where(raw)
            if hit is None:
                return ERROR
            if len(parts) == 3 and method == "POST" and parts[2] == "approve":
                return 200, {}, {"success": True, "message": "approved"}  # an UPDATE of no row succeeds as well
            if len(parts) == 2 and method == "GET":
                return (200, {}, {"id": 1, "title": "first"}) if hit else (404, {}, {"error": "not found"})
        if parts == ["subscribers"] and method == "POST":
            sent = json.loads(body or b"{}")
            values = [str(sent.get(k, "")) for k in ("email", "role")] if isinstance(sent, dict) else []
            if pasted:
                for value in values:
                    if sleep := SLEEP.search(value):
                        time.sleep(int(sleep.group(1)))
                if any(v.count("'") % 2 or ("'" in v and "'||" not in v) for v in values):
                    return ERROR
            if not values or values[0] in emails:
                return ERROR  # the unique constraint, answered like any other database error
            emails.add(values[0])
            return 201, {}, {"success": True}
        return 404, {}, {"error": "not found"}

    return app


@pytest.mark.parametrize("pasted", [True, False])
def test_ids_conjunctions_and_unique_fields(tmp_path: Path, pasted: bool) -> None:
    with loopback(_app(pasted)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("injection",))
    sql = {f for f in findings_at(result) if f[0].startswith("PR-SQLI")}
    expected = {("PR-SQLI-002", "GET", "/records/{id}"), ("PR-SQLI-003", "POST", "/records/{id}/approve"),
                ("PR-SQLI-003", "POST", "/subscribers")}
    assert (expected <= sql) if pasted else not sql
