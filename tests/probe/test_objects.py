"""Object model inference: objects created without an id in the answer, keyed by a title under a user-keyed
path, found again through the path parameter that matches a field sent, the Location header, or the list
endpoint; the identity's own name from /me or its token fills ``/users/{username}``."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from apishield.probe import ProbeConfig, ProbeOptions, probe
from apishield.probe.objects import (
    find_id,
    from_listing,
    from_location,
    from_sent_fields,
    identity_value,
    learn_identity,
    object_key,
)
from tests.probe.loopback import Answer, loopback

TOKENS = {"Bearer tok-alice": "alice", "Bearer tok-bob": "bob"}


def _spec(keyed_by: str) -> dict[str, Any]:
    body = {"content": {"application/json": {"schema": {"type": "object", "properties": {
        "book_title": {"type": "string"}, "secret": {"type": "string"}}}}}}
    item = "/users/{username}/books/{book_title}" if keyed_by == "title" else "/users/{username}/books/{book_id}"
    param = "book_title" if keyed_by == "title" else "book_id"
    return {"openapi": "3.0.3", "info": {"title": "books", "version": "1"},
            "components": {"securitySchemes": {"b": {"type": "http", "scheme": "bearer"}}},
            "security": [{"b": []}],
            "paths": {
                "/me": {"get": {"responses": {"200": {"description": "me"}}}},
                "/users/{username}/books": {
                    "parameters": [{"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "get": {"responses": {"200": {"description": "list"}}},
                    "post": {"requestBody": body, "responses": {"201": {"description": "created"}}}},
                item: {"parameters": [
                    {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": param, "in": "path", "required": True, "schema": {"type": "string"}}],
                    "get": {"responses": {"200": {"description": "one"}}}},
            }}


def _books_app(answer_with: str) -> Any:
    """Objects are answered without an id; reads never check the owner (BOLA)."""
    books: dict[tuple[str, str], dict[str, Any]] = {}
    lock = threading.Lock()

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who = TOKENS.get(headers.get("Authorization", ""))
        if who is None:
            return 401, {}, {"detail": "login"}
        parts = [unquote(p) for p in path.split("?")[0].strip("/").split("/")]
        if parts == ["me"]:
            return 200, {}, {"username": who}
        if len(parts) == 3 and parts[0] == "users" and parts[2] == "books":
            if parts[1] != who:
                return 403, {}, {"detail": "not yours"}
            if method == "POST":
                data = json.loads(body or b"{}")
                with lock:
                    key = str(len(books) + 1) if answer_with == "listing" else str(data.get("book_title"))
                    books[(who, key)] = {**data, "key": key} if answer_with == "listing" else data
                headers_out = {"Location": f"/users/{who}/books/{key}"} if answer_with == "location" else {}
                return 201, headers_out, {"status": "created"}
            return 200, {}, {"books": [v for (owner, _), v in books.items() if owner == who]}
        if len(parts) == 4 and parts[0] == "users" and parts[2] == "books" and method == "GET":
            book = books.get((parts[1], parts[3]))
            return (200, {}, book) if book else (404, {}, {"detail": "no such book"})
        return 404, {}, {"detail": "not found"}

    return app


@pytest.mark.parametrize(("answer_with", "keyed_by"), [("nothing", "title"), ("location", "id"), ("listing", "id")])
def test_bola_found_on_objects_created_without_an_id(tmp_path: Path, answer_with: str, keyed_by: str) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(_spec(keyed_by)))
    with loopback(_books_app(answer_with)) as url:
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(spec), auth=(
            "alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"),
            options=ProbeOptions(budget=120, rate=0, checks=("bola",)))))
    assert result.stats["objects_created"] >= 1
    bola = [f for f in result.findings if f.rule_id == "PR-BOLA-001"]
    assert bola and "/users/alice/books/" in (bola[0].evidence.request if bola[0].evidence else "")


def test_key_inference_helpers() -> None:
    assert find_id({"data": {"uuid": "u-1"}}) == "u-1" and find_id({"ok": True}) is None
    assert from_location("http://h/api/items/42", "/api/items") == "42"
    assert from_location("/elsewhere/9", "/api/items") is None
    assert from_sent_fields("book_title", {"book_title": "T1", "x": 1}) == "T1"
    assert from_sent_fields("title", {"book_title": "T2"}) == "T2"
    assert from_sent_fields("book_id", {"book_title": "T2"}) is None
    assert from_listing({"items": [{"id": 1, "t": "a"}, {"id": 2, "t": "apishieldX"}]}, "apishieldX", "id") == 2
    assert learn_identity(None, None, {"user": {"id": 7, "username": "al"}}) == ("al", 7)
    assert learn_identity(None, None, {"sub": "alice"}) == ("alice", None)
    assert identity_value("username", "alice", 7, "/users") == "alice"
    assert identity_value("user_id", "alice", 7, "/x") == 7
    assert identity_value("book_title", "alice", 7, "/books") is None


def test_identity_learned_from_a_user_object_nested_in_the_login_answer() -> None:
    nested = {"access": {"user": {"id": 1, "name": "user1"}, "token": {"id": "abc", "expires": "x"}}}
    assert learn_identity(None, None, nested) == ("user1", 1)
    assert learn_identity(None, None, {"data": {"account": {"id": "a-9"}}}) == (None, "a-9")
    # no user object anywhere: the answer's own top-level fields, as before (a token id is not the user's id)
    assert learn_identity(None, None, {"token": {"id": "abc"}, "id": 5}) == (None, 5)
    assert learn_identity("kept", 3, nested) == ("kept", 3)


@pytest.mark.parametrize("echoes_any_name", [False, True])
def test_account_records_keyed_by_user_name(tmp_path: Path, echoes_any_name: bool) -> None:
    spec = {"openapi": "3.0.3", "info": {"title": "u", "version": "1"},
            "components": {"securitySchemes": {"b": {"type": "http", "scheme": "bearer"}}}, "security": [{"b": []}],
            "paths": {"/me": {"get": {"responses": {"200": {"description": "me"}}}},
                      "/users/{username}": {"get": {"parameters": [
                          {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}],
                          "responses": {"200": {"description": "one"}}}}}}
    path_spec = tmp_path / "spec.json"
    path_spec.write_text(json.dumps(spec))

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who = TOKENS.get(headers.get("Authorization", ""))
        if who is None:
            return 401, {}, {}
        if path == "/me":
            return 200, {}, {"username": who}
        name = unquote(path.rsplit("/", 1)[-1])
        if name in TOKENS.values() or echoes_any_name:
            return 200, {}, {"username": name, "email": f"{name}@example.com"}
        return 404, {}, {"detail": "no such user"}

    with loopback(app) as url:
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(path_spec), auth=(
            "alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"),
            options=ProbeOptions(budget=60, rate=0, checks=("bola",)))))
    found = [f for f in result.findings if f.rule_id == "PR-BOLA-001" and f.http_path == "/users/{username}"]
    assert bool(found) is not echoes_any_name


def test_a_tokens_user_name_claim_names_the_identity_before_its_subject() -> None:
    """An identity provider's token (``sub`` an opaque key, ``preferred_username`` the name): the identity is the
    name, so a record naming ``alice`` is recognised as alice's own; a ``sub`` alone that is a name still counts."""
    claims = {"sub": "zoo-alice", "preferred_username": "alice", "email": "alice@example.com", "name": "Alice A."}
    assert learn_identity(None, None, claims) == ("alice", None)
    assert learn_identity(None, None, {"sub": "alice"}) == ("alice", None)
    assert learn_identity(None, None, {"sub": "42", "username": "bob"}) == ("bob", "42")


@pytest.mark.parametrize(("record", "param", "expected"), [
    ({"account_number": "1001", "balance": "5000.00"}, "account_id", "1001"),  # a bank account keyed by its number
    ({"card_no": "4111", "limit": 100}, "cardId", "4111"),
    ({"number": 7, "title": "x"}, "order_id", 7),
    ({"id": 5, "account_number": "1001"}, "account_id", 5),  # an id comes first
    ({"title": "x", "balance": 3}, "account_id", None),  # nothing keys it
])
def test_an_object_without_an_id_is_keyed_by_its_number(record: dict[str, object], param: str,
                                                        expected: object) -> None:
    assert object_key(record, param) == expected
