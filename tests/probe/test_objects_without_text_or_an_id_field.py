"""Objects the usual markers cannot follow: an order created with no text field at all (its items and a time stamp)
is still changed across identities through a free-text field of its own update (``status``) and deleted across them
when the owner's read shows what its creation answered; a document listed to its owner with no id field, only the
``doc_token`` its reads are keyed by, is asked for by that token. An owner check on the same routes stays quiet, and
nothing the API held before is written or deleted."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
ORDER_ID = {"name": "order_id", "in": "path", "required": True, "schema": {"type": "integer"}}
DOC = {"name": "doc_token", "in": "path", "required": True, "schema": {"type": "string"}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


ORDER_SPEC = {
    "/orders": {"post": {"operationId": "createOrder", "security": BEARER, "requestBody": _body({
        "type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
            "type": "object", "properties": {"quantity": {"type": "integer"}}}}}}),
        "responses": {"201": {"description": "created"}}}},
    "/orders/{order_id}": {
        "get": {"operationId": "getOrder", "parameters": [ORDER_ID], "security": BEARER, "responses": OK},
        "patch": {"operationId": "updateOrder", "parameters": [ORDER_ID], "security": BEARER,
                  "requestBody": _body({"type": "object", "properties": {"status": {"type": "string"}}}),
                  "responses": OK},
        "delete": {"operationId": "deleteOrder", "parameters": [ORDER_ID], "security": BEARER, "responses": OK}},
}
DOC_SPEC = {
    "/documents": {"get": {"operationId": "listDocuments", "security": BEARER, "responses": OK}},
    "/documents/{doc_token}": {"get": {"operationId": "getDocument", "parameters": [DOC], "security": BEARER,
                                       "responses": OK}},
}
AUTH = ("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob")
TOKENS = {"tok-alice": "alice", "tok-bob": "bob"}


@pytest.mark.parametrize("checked", [False, True])
def test_an_order_created_without_text_is_updated_and_deleted_across_identities(tmp_path: Path,
                                                                               checked: bool) -> None:
    orders: dict[int, dict[str, Any]] = {1: {"order_id": 1, "owner": "root", "items": [], "status": "shipped",
                                              "total": 120, "created_at": "2020-01-01T00:00:00"}}
    touched: list[int] = []

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        caller = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if caller is None:
            return 401, {}, {"detail": "not authenticated"}
        parts = path.split("?")[0].strip("/").split("/")
        if parts == ["orders"] and method == "POST":
            items = json.loads(body or b"{}").get("items") or []
            oid = max(orders) + 1
            orders[oid] = {"order_id": oid, "owner": caller, "items": items, "status": "pending",
                           "total": 25 * (len(items) + 1), "created_at": f"{time.time():.6f}"}
            return 201, {}, orders[oid]
        if len(parts) == 2 and parts[0] == "orders" and parts[1].isdigit():
            order = orders.get(int(parts[1]))
            if order is None:
                return 404, {}, {"detail": "no such order"}
            if method == "GET":
                return (200, {}, order) if order["owner"] == caller else (404, {}, {"detail": "no such order"})
            if checked and order["owner"] != caller:
                return 403, {}, {"detail": "not yours"}
            touched.append(order["order_id"])
            if method == "PATCH":
                order.update({k: v for k, v in json.loads(body or b"{}").items() if k == "status"})
                return 200, {}, {"status": "updated"}
            if method == "DELETE":
                del orders[order["order_id"]]
                return 200, {}, {"status": "deleted"}
        return 404, {}, {"detail": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, ORDER_SPEC, ("bola",), auth=AUTH)
    found = {(m, p) for rule, m, p in findings_at(result) if rule == "PR-BOLA-002"}
    expected = set() if checked else {("PATCH", "/orders/{order_id}"), ("DELETE", "/orders/{order_id}")}
    assert found == expected
    assert 1 in orders and orders[1]["status"] == "shipped" and 1 not in touched  # held before: left alone


@pytest.mark.parametrize("checked", [False, True])
def test_a_document_keyed_by_its_token_field_is_read_across_identities(tmp_path: Path, checked: bool) -> None:
    documents = {f"doc_{secrets.token_hex(12)}": {"title": f"{who}'s quarterly figures", "owner_id": n,
                                                  "content": f"confidential to {who}: {secrets.token_hex(6)}"}
                 for n, who in ((11, "alice"), (12, "bob"))}
    for token, doc in documents.items():
        doc["doc_token"] = token
    ids = {"alice": 11, "bob": 12}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        caller = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if caller is None:
            return 401, {}, {"detail": "not authenticated"}
        parts = path.split("?")[0].strip("/").split("/")
        if parts == ["documents"] and method == "GET":
            return 200, {}, [d for d in documents.values() if d["owner_id"] == ids[caller]]
        if len(parts) == 2 and parts[0] == "documents" and method == "GET":
            doc = documents.get(parts[1])
            if doc is None or (checked and doc["owner_id"] != ids[caller]):
                return 404, {}, {"detail": "no such document"}
            return 200, {}, doc
        return 404, {}, {"detail": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, DOC_SPEC, ("bola",), auth=AUTH)
    found = {(m, p) for rule, m, p in findings_at(result) if rule == "PR-BOLA-001"}
    assert found == (set() if checked else {("GET", "/documents/{doc_token}")})


VIEW_SPEC = {
    "/profiles": {"get": {"operationId": "listProfiles", "security": BEARER, "responses": OK}},
    "/profiles/view": {"post": {"operationId": "viewProfile", "security": BEARER, "requestBody": _body({
        "type": "object", "required": ["profile_id"], "properties": {"profile_id": {"type": "string"}}}),
        "responses": OK}},
}


@pytest.mark.parametrize("checked", [False, True])
def test_a_profile_named_in_the_body_of_a_reading_post_is_read_across_identities(tmp_path: Path,
                                                                                 checked: bool) -> None:
    profiles = {secrets.token_hex(8): {"user": who, "bio": f"{who} keeps {secrets.token_hex(5)} private"}
                for who in ("alice", "bob")}
    for key, profile in profiles.items():
        profile["profile_id"] = key

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        caller = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if caller is None:
            return 401, {}, {"detail": "not authenticated"}
        if path.split("?")[0] == "/profiles" and method == "GET":
            return 200, {}, [p for p in profiles.values() if p["user"] == caller]
        if path.split("?")[0] == "/profiles/view" and method == "POST":
            profile = profiles.get(str(json.loads(body or b"{}").get("profile_id")))
            if profile is None or (checked and profile["user"] != caller):
                return 404, {}, {"detail": "no such profile"}
            return 200, {}, profile
        return 404, {}, {"detail": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, VIEW_SPEC, ("bola",), auth=AUTH)
    found = {(m, p) for rule, m, p in findings_at(result) if rule == "PR-BOLA-001"}
    assert found == (set() if checked else {("POST", "/profiles/view")})
