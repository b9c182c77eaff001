"""A search that formats its term into SQL, answers the same whatever it finds and a bare 500 when the statement breaks
(no database text in the answer) is SQL injection when a quote breaks it, two quotes (an escaped quote inside a SQL
string) answer with the plain term's status, and a quote followed by a SQL comment answers too. A parser that any
odd quote breaks (a shell-like splitter) fails the comment test and stays quiet, as does a search with a bound
parameter."""

from __future__ import annotations

import shlex
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

SPEC = {"/api/products/search": {"get": {"parameters": [
    {"name": "q", "in": "query", "required": True, "schema": {"type": "string", "example": "lamp"}}],
    "responses": OK}}}


def _app(kind: str) -> Any:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE products (name TEXT, description TEXT)")
    db.executemany("INSERT INTO products VALUES (?, ?)", [("lamp", "a desk lamp"), ("chair", "an office chair")])

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        if url.path != "/api/products/search":
            return 404, {}, {"detail": "Not Found"}
        q = (parse_qs(url.query).get("q") or [""])[0]
        try:
            if kind == "formatted":
                rows = db.execute(f"SELECT name FROM products WHERE name LIKE '%{q}%' OR description LIKE '%{q}%'")
            elif kind == "shell-like":
                words = shlex.split(f"grep '{q}' catalogue.txt")  # an odd quote: "No closing quotation"
                rows = db.execute("SELECT name FROM products WHERE name LIKE ?", (f"%{words[1]}%",))
            else:
                rows = db.execute("SELECT name FROM products WHERE name LIKE ?", (f"%{q}%",))
            rows.fetchall()
            return 200, {}, {"searched": True}  # the results go elsewhere (a report): nothing in the answer differs
        except (sqlite3.Error, ValueError):
            return 500, {"Content-Type": "text/plain"}, "Internal Server Error"
    return app


@pytest.mark.parametrize(("kind", "fires"), [("formatted", True), ("shell-like", False), ("bound", False)])
def test_a_quote_that_breaks_the_answer_silently(tmp_path: Path, kind: str, fires: bool) -> None:
    with loopback(_app(kind)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("injection",))
    assert (("PR-SQLI-001", "GET", "/api/products/search") in findings_at(result)) is fires
