"""Query operators reach the store through a query document (``{"query": {...}}``, a body object declared without
properties) and through a login that no identity of the run could name: the probe fills the document with the
fields of the records an empty one answers, proves the operator is read (``$ne`` widening where ``$eq`` reads as the
literal, else two ``$regex`` patterns that answer differently), and sends a login an operator for both credentials
when it has no account of its own. Stores that compare values as given, or refuse objects, stay quiet."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.probe.loopback import OK, Answer, loopback, probe_paths

USERS = [{"username": "admin", "password": "admin-Pw-1", "role": "admin", "email": "admin@example.com"},
         {"username": "alice", "password": "alice-Pw-2", "role": "user", "email": "alice@example.com"},
         {"username": "bob", "password": "bob-Pw-3", "role": "user", "email": "bob@example.com"}]


def _matches(doc: dict[str, Any], query: dict[str, Any], store: str) -> bool:
    """``store``: ``mongo`` honours $eq/$ne/$regex; ``partial`` honours $ne/$regex and lets other objects match
    anything (a hand-written emulation); ``strict`` compares every value as given (an object matches nothing)."""
    for key, value in query.items():
        if isinstance(value, dict) and store != "strict":
            if "$ne" in value and doc.get(key) == value["$ne"]:
                return False
            if "$regex" in value and not re.search(str(value["$regex"]), str(doc.get(key, ""))):
                return False
            if "$eq" in value and store == "mongo" and doc.get(key) != value["$eq"]:
                return False
            if not {"$ne", "$regex", "$eq"} & set(value) and store == "mongo":
                return False
        elif doc.get(key) != value:
            return False
    return True


def _store(store: str) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        try:
            sent = json.loads(body or b"{}")
        except ValueError:
            return 400, {}, {"error": "JSON body required"}
        if not isinstance(sent, dict):
            return 400, {}, {"error": "JSON object required"}
        if method == "POST" and route == "/api/search":
            query = sent.get("query") if isinstance(sent.get("query"), dict) else {}
            found = [{k: v for k, v in u.items() if k != "password"} for u in USERS if _matches(u, query, store)]
            return 200, {}, {"results": found, "count": len(found)}
        if method == "POST" and route == "/login":
            query = {"username": sent.get("username"), "password": sent.get("password")}
            user = next((u for u in USERS if _matches(u, query, store)), None)
            page = (f"<div>Login successful! Welcome {user['username']}</div>" if user
                    else "<div>Login failed: invalid credentials</div>")
            return 200, {"Content-Type": "text/html"}, page
        return 404, {}, {"error": "not found"}
    return app


SPEC = {
    "/api/search": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"query": {"type": "object"}}}}}}, "responses": OK}},
    "/login": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
        "responses": OK}},
}


@pytest.mark.parametrize(("store", "found"), [("mongo", True), ("partial", True), ("strict", False)])
def test_operators_inside_a_query_document(tmp_path: Path, store: str, found: bool) -> None:
    with loopback(_store(store)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("injection",))
    hits = [f for f in result.findings if f.rule_id == "PR-NOSQL-002"]
    assert bool(hits) is found
    assert all(f.parameter and f.parameter.startswith("query.") for f in hits)


@pytest.mark.parametrize(("store", "found"), [("mongo", True), ("partial", True), ("strict", False)])
def test_a_login_signed_in_with_operators_naming_no_account(tmp_path: Path, store: str, found: bool) -> None:
    with loopback(_store(store)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("credentials",))
    assert bool([f for f in result.findings if f.rule_id == "PR-NOSQL-001"]) is found
