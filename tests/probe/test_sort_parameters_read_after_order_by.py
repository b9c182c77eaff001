"""A sort parameter pasted after ``ORDER BY`` (where quotes and ``OR 1=1`` prove nothing) answers a sort direction
as the plain value and fails on a near-miss of one (``price DESCX``): SQL injection (must fire). A server that checks
the field and direction against a list, and one that reads only the first word, stay quiet. The database is real
(SQLite) and its error text is never shown."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import OK, Answer, loopback, probe_paths

PATHS: dict[str, Any] = {"/api/products": {"get": {"responses": OK, "parameters": [
    {"name": "sort", "in": "query", "required": False, "schema": {"type": "string", "example": "price"}}]}}}


def _app(mode: str) -> Any:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE products (id INTEGER, name TEXT, price REAL)")
    db.executemany("INSERT INTO products VALUES (?, ?, ?)", [(1, "lamp", 12.5), (2, "desk", 80.0), (3, "pen", 1.2)])

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        if url.path.rstrip("/") != "/api/products":
            return 404, {}, {"error": "not found"}
        sort = parse_qs(url.query).get("sort", ["id"])[0]
        if mode == "listed":
            field, _, direction = sort.partition(" ")
            if field not in {"id", "name", "price"} or direction.upper() not in {"", "ASC", "DESC"}:
                return 400, {}, {"error": "unknown sort"}
            clause = f"{field} {direction}"
        elif mode == "first-word":
            field = sort.split(" ")[0]
            clause = field if field in {"id", "name", "price"} else "id"
        else:
            clause = sort
        try:
            rows = db.execute(f"SELECT id, name, price FROM products ORDER BY {clause}").fetchall()
        except sqlite3.Error:
            return 500, {}, {"error": "internal error"}
        return 200, {}, {"products": [{"id": r[0], "name": r[1], "price": r[2]} for r in rows]}
    return app


@pytest.mark.parametrize(("mode", "expected"), [("pasted", True), ("listed", False), ("first-word", False)])
def test_sort_parameters_after_order_by(tmp_path: Path, mode: str, expected: bool) -> None:
    with loopback(_app(mode)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("injection",))
    found = [f for f in result.findings if f.rule_id == "PR-SQLI-001" and "ORDER BY" in f.message]
    assert bool(found) is expected, [f.message for f in result.findings]
