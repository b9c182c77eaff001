"""Input the server reads from inside an object of a JSON body (``{"source": {"url": …}}``, ``{"filter": {"name":
…}}``) is tested like a top-level field: a URL fetched from a nested field and a nested value pasted into SQL must
make the probe fire; the same handlers that refuse a foreign URL or bind the value must leave it quiet. The body
helpers that name nested fields by their dotted path are checked on generated bodies."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apishield.probe.checks._util import body_slots, field_value, with_field
from tests.probe.loopback import Answer, findings_at, json_object, loopback, probe_paths


@pytest.mark.parametrize("allow_list", [False, True])
def test_a_url_inside_a_body_object_is_given_the_listener(tmp_path: Path, allow_list: bool) -> None:
    from urllib.request import urlopen

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path != "/previews" or method != "POST":
            return 404, {}, {"detail": "not found"}
        source = json_object(body).get("source")
        url = source.get("url") if isinstance(source, dict) else None
        if not isinstance(url, str):
            return 400, {}, {"detail": "source.url is required"}
        if allow_list or not url.startswith("http://127.0.0.1:"):  # nothing leaves the machine here
            return 400, {}, {"detail": "source not allowed"}
        with urlopen(url, timeout=5) as fetched:  # the server fetches the URL the nested field names
            return 200, {}, {"preview": fetched.read().decode()[:200]}

    spec = {"/previews": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "required": ["source"], "properties": {"source": {
            "type": "object", "properties": {"url": {"type": "string", "example": "https://example.org/"},
                                             "timeout": {"type": "integer", "example": 5}}}}}}}},
        "responses": {"200": {"description": "a preview"}}}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("injection",))
    found = [f for f in result.findings if f.rule_id == "PR-SSRF-001"]
    assert bool(found) is not allow_list
    if found:
        assert "source.url" in found[0].message


@pytest.mark.parametrize("pasted", [True, False])
def test_a_nested_filter_value_pasted_into_sql(tmp_path: Path, pasted: bool) -> None:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, author TEXT)")
    db.executemany("INSERT INTO books (title, author) VALUES (?, ?)", [("Dune", "Herbert"), ("Emma", "Austen")])

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path != "/books/search" or method != "POST":
            return 404, {}, {"detail": "not found"}
        where = json_object(body).get("filter")
        author = where.get("author") if isinstance(where, dict) else None
        if not isinstance(author, str):
            return 400, {}, {"detail": "filter.author must be a string"}
        try:
            rows = (db.execute(f"SELECT title FROM books WHERE author = '{author}'") if pasted
                    else db.execute("SELECT title FROM books WHERE author = ?", (author,))).fetchall()
        except sqlite3.Error as exc:
            return 500, {}, {"detail": f"sqlite3.OperationalError: {exc}"}
        return 200, {}, [{"title": t} for (t,) in rows]

    spec = {"/books/search": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"filter": {"type": "object", "properties": {
            "author": {"type": "string", "example": "Austen"}}}, "limit": {"type": "integer", "example": 10}}}}}},
        "responses": {"200": {"description": "the matching books"}}}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("injection",))
    assert any(rule.startswith("PR-SQLI") and tuple(where) == ("POST", "/books/search")
               for rule, *where in findings_at(result)) is pasted


SCALARS = st.one_of(st.text(max_size=5), st.integers(), st.booleans(), st.none())
NAMES = st.text(alphabet="abcxyz_", min_size=1, max_size=4)
BODIES = st.recursive(st.dictionaries(NAMES, SCALARS, max_size=3),
                      lambda inner: st.dictionaries(NAMES, st.one_of(SCALARS, inner), max_size=3), max_leaves=8)


def _paths(body: dict[str, Any], prefix: str = "") -> list[str]:
    return [p for k, v in body.items() for p in (_paths(v, f"{prefix}{k}.") if isinstance(v, dict) and v
                                                 else [f"{prefix}{k}"])]


@given(BODIES, st.text(max_size=8))
def test_a_nested_field_set_is_read_back_and_nothing_else_changes(body: dict[str, Any], value: str) -> None:
    before = json.dumps(body, sort_keys=True)
    for name in _paths(body):
        changed = with_field(body, name, value)
        assert field_value(changed, name) == value
        assert json.dumps(body, sort_keys=True) == before  # the original is never changed
        assert _paths(changed) == _paths(body) or not name.count(".")


def test_body_slots_name_scalars_by_their_path_and_skip_read_only_fields() -> None:
    schema = {"type": "object", "properties": {
        "id": {"type": "integer", "readOnly": True},
        "name": {"type": "string"},
        "target": {"type": "object", "properties": {"url": {"type": "string"}, "port": {"type": "integer"},
                                                   "auth": {"properties": {"user": {"type": "string"}}}}},
        "options": {"type": "object", "additionalProperties": True},
        "tags": {"type": "array", "items": {"type": "string"}}}}
    assert [name for name, _ in body_slots(schema)] == ["name", "target.url", "target.port", "target.auth.user",
                                                        "tags"]
