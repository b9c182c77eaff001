"""A listing that shows one identity another's objects: the owner's ownership marker, or records whose owner field
names the owner, in the other identity's answer. Reported when anonymous callers are refused and the objects are
private by the API's own word (its single-object read refuses the other identity) or by their nature (notes,
accounts), also when anonymous callers are shown the same records (another user's notes open to everyone are still
read across users); a feed of posts every signed-in user (or anyone) may read and a per-user listing stay quiet."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
ITEM = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "string"}}
TOKENS = {"tok-alice": ("alice", 11), "tok-bob": ("bob", 12)}


def _spec(collection: str) -> dict[str, Any]:
    body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["title"], "properties": {"title": {"type": "string"}}}}}}
    return {collection: {"get": {"security": BEARER, "responses": OK},
                         "post": {"security": BEARER, "requestBody": body, "responses": {"201": {"description": "c"}}}},
            collection + "/{item_id}": {"get": {"parameters": [ITEM], "security": BEARER, "responses": OK}},
            "/api/accounts": {"get": {"security": BEARER, "responses": OK}},
            "/api/me": {"get": {"security": BEARER, "responses": OK}}}


@pytest.mark.parametrize(("collection", "listing", "item_checked", "accounts", "expected"), [
    ("/api/notes", "everyone", False, "own", {"/api/notes"}),  # private by nature
    ("/api/things", "everyone", True, "own", {"/api/things"}),  # the item read says they are private
    ("/api/posts", "everyone", False, "own", set()),  # a shared feed
    ("/api/notes", "own", False, "own", set()),
    # anyone may list: private records naming their owners shown to all are still another user's records read
    ("/api/notes", "public", False, "own", {"/api/notes"}),
    ("/api/posts", "public", False, "own", set()),  # a public feed anyone may read: the authentication check's
    ("/api/posts", "own", False, "everyone", {"/api/accounts"}),  # pre-existing records naming their owner
], ids=["notes-to-everyone", "items-private-by-their-read", "shared-feed", "per-user", "public-notes", "public-feed",
        "accounts"])
def test_listings_that_show_another_identitys_objects(tmp_path: Path, collection: str, listing: str,
                                                      item_checked: bool, accounts: str, expected: set[str]) -> None:
    items: dict[str, dict[str, Any]] = {}
    bank = [{"account_id": 1, "user_id": 11, "balance": 120}, {"account_id": 2, "user_id": 12, "balance": 7}]

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        route = path.split("?")[0].rstrip("/")
        if route == collection and method == "GET" and listing == "public" and who is None:
            return 200, {}, list(items.values())
        if who is None:
            return 401, {}, {"detail": "not authenticated"}
        name, uid = who
        if route == "/api/me":
            return 200, {}, {"username": name, "id": uid}
        if route == "/api/accounts":
            return 200, {}, bank if accounts == "everyone" else [a for a in bank if a["user_id"] == uid]
        if route == collection and method == "POST":
            item = {"id": str(uuid.uuid4()), "user_id": uid, "title": json.loads(body or b"{}").get("title", "")}
            items[item["id"]] = item
            return 201, {}, item
        if route == collection and method == "GET":
            return 200, {}, [i for i in items.values() if listing != "own" or i["user_id"] == uid]
        if route.startswith(collection + "/") and method == "GET":
            item = items.get(route.rsplit("/", 1)[1])
            if item is None or (item_checked and item["user_id"] != uid):
                return 404, {}, {"detail": "not found"}
            return 200, {}, item
        return 404, {}, {"detail": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, _spec(collection), ("bola",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    listed = {f[2] for f in findings_at(result) if f[0] == "PR-BOLA-001" and "{" not in (f[2] or "")}
    assert listed == expected
