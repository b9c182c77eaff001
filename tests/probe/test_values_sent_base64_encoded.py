"""A parameter described as ``format: byte`` travels base64-encoded, and the server decodes it before use (a profile
read by ``?id=Mw==``, user 3): the probe encodes each payload as the server decodes, appended to the decoded sample
(``3 AND 1=1`` goes as ``MyBBTkQgMT0x``). Boolean SQL injection behind the encoding fires (PR-SQLI-002); the same read
with the decoded id bound stays quiet."""

from __future__ import annotations

import base64
import binascii
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import Answer, loopback, probe_paths

SPEC = {"/api/view-user": {"get": {"parameters": [{"name": "id", "in": "query", "example": "Mw==",
                                                    "schema": {"type": "string", "format": "byte"}}],
                                   "responses": {"200": {"description": "the user's profile"}}}}}


def _app(bound: bool) -> Any:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    db.executemany("INSERT INTO users VALUES (?, ?)", [(3, "alice"), (4, "bob")])

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        raw = parse_qs(urlsplit(path).query).get("id", [""])[0]
        try:
            value = base64.b64decode(raw, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return 400, {}, {"error": "bad id"}
        try:
            row = (db.execute("SELECT name FROM users WHERE id = ?", (value,)).fetchone() if bound
                   else db.execute(f"SELECT name FROM users WHERE id = {value}").fetchone())
        except sqlite3.Error:
            return 400, {}, {"error": "bad id"}
        return (200, {}, {"name": row[0]}) if row else (404, {}, {"error": "User not found"})
    return app


@pytest.mark.parametrize("bound", [False, True])
def test_sql_injection_behind_base64(tmp_path: Path, bound: bool) -> None:
    with loopback(_app(bound)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("injection",))
    hits = [f for f in result.findings if f.rule_id == "PR-SQLI-002" and f.http_path == "/api/view-user"]
    assert bool(hits) is not bound
