"""A search or filter that passes what it is sent into a query document honours an operator object in place of its
value (``{"kind": {"$ne": …}}`` in a JSON body, ``?kind[$ne]=…`` read back as an object the way Express and PHP read
brackets): it must make the probe fire. Handlers that refuse anything but a string, drop a value that is not one, or
compare its text must leave it quiet; and an operation that could write never receives an operator."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

DOCUMENTS = [{"id": 1, "kind": "public", "title": "Welcome"}, {"id": 2, "kind": "public", "title": "Roadmap"},
             {"id": 3, "kind": "internal", "title": "Salaries"}]


def _matches(doc: dict[str, Any], field: str, wanted: Any, handling: str) -> bool | None:
    """Whether ``doc`` matches ``wanted`` for ``field`` the way the handler reads it; None refuses the request."""
    if isinstance(wanted, dict):
        if handling == "strings-only":
            return None
        if handling == "drops-objects":
            return True
        if handling == "stringifies":
            return str(doc.get(field)) == str(wanted)
        if handling == "honours":  # a document database's semantics: operators read, other objects compared whole
            if "$ne" in wanted:
                return bool(doc.get(field) != wanted["$ne"])
            if "$eq" in wanted:
                return bool(doc.get(field) == wanted["$eq"])
            return False
    return bool(doc.get(field) == wanted)


def _query_objects(query: str) -> dict[str, Any]:
    """A query string read the way Express's ``qs`` reads it: ``kind[$ne]=x`` becomes ``{"kind": {"$ne": "x"}}``."""
    out: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        bracket = re.fullmatch(r"([^\[]+)\[([^\]]*)\]", key)
        if bracket:
            out.setdefault(bracket[1], {})[bracket[2]] = value
        else:
            out[key] = value
    return out


def _search(filters: dict[str, Any], handling: str) -> Answer:
    found = []
    for doc in DOCUMENTS:
        verdicts = [_matches(doc, field, wanted, handling) for field, wanted in filters.items()]
        if any(v is None for v in verdicts):
            return 400, {}, {"detail": "filter values must be strings"}
        if all(verdicts):
            found.append(doc)
    return 200, {}, {"results": found, "count": len(found)}


def _app(handling: str, written: list[bytes]) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route == "/documents/search" and method == "POST":
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                return 400, {}, {"detail": "invalid JSON"}
            filters = data.get("filter") if isinstance(data, dict) else None
            return _search(filters if isinstance(filters, dict) else {}, handling)
        if route == "/documents" and method == "GET":
            return _search(_query_objects(urlsplit(path).query), handling)
        if route == "/documents/archive" and method == "POST":
            written.append(body)  # an action on every document the filter matches
            return 200, {}, {"archived": 0}
        return 404, {}, {"detail": "not found"}
    return app


def _schema(**props: Any) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"type": "object", "properties": props}}}}


KIND = {"type": "string", "example": "public"}
PATHS = {
    "/documents/search": {"post": {"requestBody": _schema(filter={"type": "object", "properties": {"kind": KIND}}),
                                   "responses": {"200": {"description": "the matching documents"}}}},
    "/documents": {"get": {"parameters": [{"name": "kind", "in": "query", "schema": KIND}],
                           "responses": {"200": {"description": "the documents of a kind"}}}},
    "/documents/archive": {"post": {"requestBody": _schema(kind=KIND),
                                    "responses": {"200": {"description": "archived"}}}},
}


@pytest.mark.parametrize(("handling", "fires"), [("honours", True), ("strings-only", False),
                                                 ("drops-objects", False), ("stringifies", False)])
def test_an_operator_in_place_of_a_filter_value(tmp_path: Path, handling: str, fires: bool) -> None:
    written: list[bytes] = []
    with loopback(_app(handling, written)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("injection",))
    found = findings_at(result)
    assert (("PR-NOSQL-002", "POST", "/documents/search") in found) is fires
    assert (("PR-NOSQL-002", "GET", "/documents") in found) is fires
    assert written and not any(b"$ne" in body or b"$eq" in body for body in written)


@pytest.mark.parametrize(("body", "count"), [(b'[{"id": 1}, {"id": 2}]', 2), (b'{"results": [], "count": 0}', 0),
                                              (b'{"items": [{"id": 1}]}', 1), (b'"ok"', None), (b"42", None),
                                              (b"null", None), (b'{"detail": "found"}', None)])
def test_records_counted_only_in_listings(body: bytes, count: int | None) -> None:
    """What the operator test counts: the records of a JSON listing; a bare string, number or null lists nothing
    (and must not break the count)."""
    from apishield.probe.checks.operators import records
    from apishield.probe.client import Exchange

    ex = Exchange(seq=1, check="injection", identity="anonymous", method="GET", url="http://t/x",
                  request_headers=(), request_body=b"", status=200,
                  response_headers=(("content-type", "application/json"),), body=body)
    assert records(ex) == count
