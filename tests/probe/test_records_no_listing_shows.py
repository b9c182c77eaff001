"""Records the API already holds that no listing shows: the owner asks a private-kind single-object read for small
ids; a record whose owner field names the owner, shown to the other identity too, is a read finding when anonymous
callers are refused (or the description declares the read open) and an id that does not exist is not answered with
it. A read that checks the owner, a shared
kind (posts), an answer that ignores the id and a read anyone may make stay quiet. The same holds for records a
listing shows everyone, each naming its owner, read one by one by id; such a record the other identity may also
update is a write finding when the owner reads the other's marker back, and the owner's value is written back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, bearer_caller, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
TOKENS = {"tok-alice": ("alice", 1), "tok-bob": ("bob", 2)}


def _record_answer(records: dict[int, dict[str, Any]], key: str, who: tuple[str, int] | None, checked: bool,
                   owner_field: str = "user_id") -> Answer:
    """The answer of a single-record read for ``key``: the record, or 404 for an unknown one and, where the read is
    ``checked``, for a caller its ``owner_field`` does not name."""
    record = records.get(int(key)) if key.isdigit() else None
    if record is None or (checked and (who is None or record[owner_field] != who[1])):
        return 404, {}, {"detail": "not found"}
    return 200, {}, record


def _spec(kind: str, declared: bool = True) -> dict[str, Any]:
    param = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {f"/api/{kind}/{{item_id}}": {"get": {"parameters": [param], "security": BEARER if declared else [],
                                                 "responses": OK}},
            "/api/me": {"get": {"security": BEARER, "responses": OK}}}


@pytest.mark.parametrize(("kind", "checked", "ignores_id", "anonymous", "declared", "expected"), [
    ("orders", False, False, False, True, True),
    ("patients", False, False, False, True, True),  # medical records are private by nature too
    ("orders", True, False, False, True, False),  # the read checks the owner
    ("posts", False, False, False, True, False),  # a shared kind: posts name their author for everyone
    ("invoices", False, True, False, True, False),  # the same record whatever the id: proves nothing
    # anyone may read a read the description says needs credentials: the missing-authentication finding
    ("invoices", False, False, True, True, False),
    # the description declares the read open: nothing else covers another person's record handed to anyone
    ("documents", False, False, True, False, True),
    ("posts", False, False, True, False, False),  # an open read of a shared kind stays quiet
], ids=["unchecked", "patients", "checked", "shared-kind", "ignores-id", "anonymous", "declared-open",
        "open-shared-kind"])
def test_records_that_no_listing_shows(tmp_path: Path, kind: str, checked: bool, ignores_id: bool,
                                       anonymous: bool, declared: bool, expected: bool) -> None:
    records = {n: {"id": n, "user_id": 1 + n % 2, "total": f"{n * 17}.50 EUR", "reference": f"REF-{n:04d}-QZ"}
               for n in range(1, 5)}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        route = path.split("?")[0].rstrip("/")
        if who is None and not (anonymous and route.startswith(f"/api/{kind}/")):
            return 401, {}, {"detail": "not authenticated"}
        if route == "/api/me" and who is not None:
            return 200, {}, {"username": who[0], "id": who[1]}
        if route.startswith(f"/api/{kind}/") and method == "GET":
            key = route.rsplit("/", 1)[1]
            return _record_answer(records, "1" if ignores_id else key, who, checked)
        return 404, {}, {"detail": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, _spec(kind, declared), ("bola",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    found = ("PR-BOLA-001", "GET", f"/api/{kind}/{{item_id}}") in findings_at(result)
    assert found is expected


@pytest.mark.parametrize(("kind", "checked", "expected"), [
    ("orders", False, True), ("orders", True, False), ("posts", False, False), ("expenses", False, True)],
    ids=["unchecked-order", "checked-order", "shared-post", "unchecked-expense"])
def test_records_a_listing_shows_everyone_read_by_id(tmp_path: Path, kind: str, checked: bool,
                                                     expected: bool) -> None:
    """A listing shows every record to everyone, each naming its owner; reading one of the owner's by id as the
    other identity is a read finding for a private kind (an order), not for a shared one (a post)."""
    records = {n: {"id": n, "user_id": 1 + n % 2, "item": f"widget-{n * 37}", "total": f"{n * 17}.50 EUR"}
               for n in range(9001, 9005)}
    param = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    spec = {f"/api/{kind}": {"get": {"security": BEARER, "responses": OK}},
            f"/api/{kind}/{{item_id}}": {"get": {"parameters": [param], "security": BEARER, "responses": OK}},
            "/api/me": {"get": {"security": BEARER, "responses": OK}}}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who, route, early = bearer_caller(path, headers, TOKENS)
        if early is not None or who is None:
            return early or (401, {}, {})
        if route == f"/api/{kind}":
            return 200, {}, list(records.values())
        if route.startswith(f"/api/{kind}/"):
            key = route.rsplit("/", 1)[1]
            return _record_answer(records, key, who, checked)
        return 404, {}, {"detail": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bola",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    found = ("PR-BOLA-001", "GET", f"/api/{kind}/{{item_id}}") in findings_at(result)
    assert found is expected


@pytest.mark.parametrize("write_checked", [False, True], ids=["unchecked-update", "checked-update"])
def test_a_held_record_read_across_is_also_updated_across(tmp_path: Path, write_checked: bool) -> None:
    records = {n: {"id": n, "ownerId": 1 + n % 2, "title": f"Team lunch {n * 37}", "amount": n * 17.5}
               for n in range(1, 5)}
    original = {n: dict(r) for n, r in records.items()}
    param = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    body = {"content": {"application/json": {"schema": {"type": "object", "properties": {
        "title": {"type": "string"}, "amount": {"type": "number"}}}}}}
    spec = {"/api/expenses": {"get": {"security": BEARER, "responses": OK}},
            "/api/expenses/{id}": {"get": {"parameters": [param], "security": BEARER, "responses": OK},
                                   "put": {"parameters": [param], "security": BEARER, "requestBody": body,
                                           "responses": OK}},
            "/api/me": {"get": {"security": BEARER, "responses": OK}}}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who, route, early = bearer_caller(path, headers, TOKENS)
        if early is not None or who is None:
            return early or (401, {}, {})
        if route == "/api/expenses":
            return 200, {}, {"data": list(records.values())}
        key = route.rsplit("/", 1)[1]
        record = records.get(int(key)) if route.startswith("/api/expenses/") and key.isdigit() else None
        if record is None:
            return 404, {}, {"detail": "not found"}
        if method == "PUT":
            if write_checked and record["ownerId"] != who[1]:
                return 403, {}, {"detail": "not yours"}
            record.update(json.loads(body or b"{}"))
        return 200, {}, {"data": record}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bola",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    found = findings_at(result)
    assert ("PR-BOLA-001", "GET", "/api/expenses/{id}") in found
    assert (("PR-BOLA-002", "PUT", "/api/expenses/{id}") in found) is not write_checked
    assert records == original  # every record written across was given its owner's values back


@pytest.mark.parametrize(("kind", "checked", "expected"), [
    ("invoices", False, True),  # must fire: one identity is served invoices of two different owners
    ("invoices", True, False),  # must stay quiet: each identity is served its own invoices only
    ("profiles", False, False),  # must stay quiet: a profile may be public, whoever it names
], ids=["unchecked-invoice", "checked-invoice", "profile"])
def test_records_of_two_owners_served_to_one_identity_whose_id_is_unknown(tmp_path: Path, kind: str, checked: bool,
                                                                           expected: bool) -> None:
    """The identities' user ids are never shown (no ``/me``), so no record can be matched to its owner; one identity
    served records of a one-person kind whose owner field names two different people reads at least one that is not
    its own."""
    records = {n: {"id": n, "owner_id": 1 + n % 2, "amount": f"{n * 17}.50", "card_last4": f"{4000 + n * 7}"}
               for n in range(1, 5)}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        route = path.split("?")[0].rstrip("/")
        if who is None:
            return 401, {}, {"detail": "not authenticated"}
        if route.startswith(f"/api/{kind}/") and method == "GET":
            key = route.rsplit("/", 1)[1]
            return _record_answer(records, key, who, checked, "owner_id")
        return 404, {}, {"detail": "not found"}

    param = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    spec = {f"/api/{kind}/{{item_id}}": {"get": {"parameters": [param], "security": BEARER, "responses": OK}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bola",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    found = ("PR-BOLA-001", "GET", f"/api/{kind}/{{item_id}}") in findings_at(result)
    assert found is expected


def test_a_held_record_with_text_the_server_escapes_is_still_recognised(tmp_path: Path) -> None:
    """A record whose values the server writes with JSON escapes (``\\u2014`` for a dash, as Flask does) is the same
    record in the other identity's answer: must fire."""
    records = {n: {"id": n, "user_id": 1 + n % 2, "description": f"Pro plan — month {n * 11}"} for n in range(1, 5)}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who, route, early = bearer_caller(path, headers, TOKENS)
        if early is not None or who is None:
            return early or (401, {}, {})
        if route.startswith("/api/invoices/"):
            key = route.rsplit("/", 1)[1]
            return _record_answer(records, key, who, checked=False)
        return 404, {}, {"detail": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, _spec("invoices"), ("bola",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    assert ("PR-BOLA-001", "GET", "/api/invoices/{item_id}") in findings_at(result)


@pytest.mark.parametrize(("checked", "redirects", "expected"), [
    (False, False, True), (False, True, True), (True, False, False)],
    ids=["unchecked", "unchecked-anonymous-sent-to-login", "checked"])
def test_a_record_asked_for_by_an_id_in_the_query_string(tmp_path: Path, checked: bool, redirects: bool,
                                                         expected: bool) -> None:
    """``GET /api/orders/view.php?id=2``: a single-object read keyed by a query parameter is asked for small ids as a
    path-keyed one is; the other identity served the owner's order is a read across (must fire, also when anonymous
    callers are sent to the login page rather than refused), an order read that checks its owner is not (must stay
    quiet)."""
    records = {n: {"id": n, "user_id": 1 + n % 2, "total": f"{n * 17}.50 EUR", "reference": f"ORD-{n:04d}-QZ"}
               for n in range(1, 5)}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who, route, early = bearer_caller(path, headers, TOKENS)
        if redirects and who is None:
            return 302, {"Location": "/login.php"}, ""
        if early is not None or who is None:
            return early or (401, {}, {})
        if route == "/api/orders/view.php":
            query = path.partition("?")[2]
            key = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("id", "")
            return _record_answer(records, key, who, checked)
        return 404, {}, {"detail": "not found"}

    param = {"name": "id", "in": "query", "required": True, "schema": {"type": "integer"}}
    spec = {"/api/orders/view.php": {"get": {"parameters": [param], "security": BEARER, "responses": OK}},
            "/api/me": {"get": {"security": BEARER, "responses": OK}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bola",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    assert (("PR-BOLA-001", "GET", "/api/orders/view.php") in findings_at(result)) is expected
