"""Boolean-blind SQL injection in a page that shows the id back in its search box and says only whether a row
exists: ``1 AND 1=1`` answers as ``1`` and ``1 AND 1=2`` does not (an id given as the string ``"1"`` is tried
unquoted first, then quoted), the echo of each value in the page being no difference. Fires (PR-SQLI-002) when
the id is pasted into SQLite's statement, as a number or in quotes; stays quiet when it is bound."""

from __future__ import annotations

import html
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import Answer, loopback, probe_paths

SPEC = {"/product": {"get": {"parameters": [{"name": "id", "in": "query", "example": "1",
                                              "schema": {"type": "string"}}],
                             "responses": {"200": {"description": "HTML page saying whether the product exists"}}}}}


def _app(statement: str) -> Any:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT)")
    db.executemany("INSERT INTO products VALUES (?, ?)", [(1, "lamp"), (2, "desk")])

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        value = parse_qs(urlsplit(path).query).get("id", [""])[0]
        try:
            if statement == "bound":
                row = db.execute("SELECT * FROM products WHERE id = ?", (value,)).fetchone()
            else:
                row = db.execute(statement.format(value)).fetchone()
            result = "Product exists!" if row else "No product found."
        except sqlite3.Error:
            result = "Error in query."
        page = (f'<form><input name="id" value="{html.escape(value)}"><button>Check</button></form>'
                f'<div class="alert">{result}</div>')
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page
    return app


@pytest.mark.parametrize(("statement", "found"), [("SELECT * FROM products WHERE id = {}", True),
                                                  ("SELECT * FROM products WHERE id = '{}'", True),
                                                  ("bound", False)])
def test_boolean_sqli_in_a_page_that_echoes_the_id(tmp_path: Path, statement: str, found: bool) -> None:
    with loopback(_app(statement)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("injection",))
    hits = [f for f in result.findings if f.rule_id == "PR-SQLI-002" and f.http_path == "/product"]
    assert bool(hits) is found
