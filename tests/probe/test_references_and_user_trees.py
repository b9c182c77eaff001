"""Objects made of references and objects below a user's own key.

* A creation whose fields name other objects (``address_id``, ``product_id_1`` with its ``quantity_1``) is filled
  with an object of that kind the identity created, or the first one a listing shows (tried second when the
  identity's own objects are refused, as a product of its own without stock is); such an object echoes no
  marker of ours, so its own unguessable key (a UUID; ``order_id`` before the ``address_id`` it names) is the
  proof of a cross-identity read, of the object, of a read below it (``/orders/{id}/status``) and of its owner's
  listing.
* What anyone may read below a user's own key (``/users/{userId}/cards``) is that user's private data left open
  when the API refuses anonymous callers on another read of the same user; when it refuses nowhere there, the
  tree is public (a profile's public posts) and no object-level finding is made.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import Answer, findings_at, loopback, probe_paths
from tests.probe.test_user_keyed_access_and_fetches import BEARER, OK, USER_ID, _caller, _param, _users

CREATED = {"201": {"description": "created"}}


def _optional(name: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string", **schema}}


@pytest.mark.parametrize("owner_checked", [False, True])
def test_orders_made_of_references_are_created_and_read_across(tmp_path: Path, owner_checked: bool) -> None:
    users, tokens = _users()
    addresses: dict[str, dict[str, Any]] = {}
    orders: dict[str, dict[str, Any]] = {}
    products = [{"product_id": str(uuid.uuid4()), "name": "lamp", "price": 20}]  # in stock
    created_products: list[dict[str, Any]] = []

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path.strip("/").split("/")
        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        if route == ["products"] and method == "GET":
            return 200, {}, products + created_products
        if route == ["products"] and method == "POST":  # anyone signed in may add one, with no stock yet
            product = {"product_id": str(uuid.uuid4()), "name": "new", "price": 1}
            created_products.append(product)
            return 201, {}, product
        caller = _caller(headers, tokens)
        if caller is None:
            return 401, {}, {"detail": "not authenticated"}
        if route[:1] != ["users"] or len(route) < 3 or route[1] not in users:
            return 404, {}, {"detail": "not found"}
        uid, rest = route[1], route[2:]
        if owner_checked and caller["user_id"] != uid:
            return 403, {}, {"detail": "not yours"}
        if rest == ["addresses"] and method == "POST":
            address = {"address_id": str(uuid.uuid4()), "user_id": uid, "street": query.get("street", "")}
            addresses[address["address_id"]] = address
            return 201, {}, address
        if rest == ["addresses"] and method == "GET":
            return 200, {}, [a for a in addresses.values() if a["user_id"] == uid]
        if rest == ["orders"] and method == "POST":
            address = addresses.get(query.get("address_id", ""))
            if address is None or address["user_id"] != uid:
                return 404, {}, {"detail": "address not found"}
            if (query.get("product_id_1") != products[0]["product_id"] or query.get("quantity_1") != "1"
                    or query.get("product_id_2") == query["product_id_1"]):  # the same product twice
                return 400, {}, {"detail": "no products specified"}
            order = {"user_id": uid, "address_id": address["address_id"], "order_id": str(uuid.uuid4()),
                     "items": [{"product_id": products[0]["product_id"], "quantity": 1}], "status": "pending"}
            orders[order["order_id"]] = order
            return 201, {}, order
        if rest == ["orders"] and method == "GET":
            return 200, {}, [o for o in orders.values() if o["user_id"] == uid]
        if rest[:1] == ["orders"] and len(rest) in (2, 3) and method == "GET":
            order = orders.get(rest[1])
            if order is None or order["user_id"] != uid:
                return 404, {}, {"detail": "order not found"}
            return 200, {}, order if len(rest) == 2 else {"order_id": order["order_id"], "status": "pending"}
        return 405, {}, {"detail": "method not allowed"}

    order_id = _param("orderId", format="uuid")
    spec = {
        "/products": {"get": {"security": [], "responses": OK},
                      "post": {"security": BEARER, "responses": CREATED}},
        "/products/{productId}": {"get": {"parameters": [_param("productId", format="uuid")], "responses": OK}},
        "/users/{userId}/addresses": {
            "get": {"parameters": [USER_ID], "security": BEARER, "responses": OK},
            "post": {"parameters": [USER_ID, _param("street", "query")], "security": BEARER, "responses": CREATED}},
        "/users/{userId}/orders": {
            "get": {"parameters": [USER_ID], "security": BEARER, "responses": OK},
            "post": {"parameters": [USER_ID, _param("address_id", "query", format="uuid"),
                                    _optional("product_id_1", format="uuid"),
                                    {"name": "quantity_1", "in": "query", "required": False,
                                     "schema": {"type": "integer", "minimum": 1}},
                                    _optional("product_id_2", format="uuid")],
                     "security": BEARER, "responses": CREATED}},
        "/users/{userId}/orders/{orderId}": {"get": {"parameters": [USER_ID, order_id], "security": BEARER,
                                                     "responses": OK}},
        "/users/{userId}/orders/{orderId}/status": {"get": {"parameters": [USER_ID, order_id], "security": BEARER,
                                                            "responses": OK}},
    }
    alice, bob = (t for t, u in tokens.items() if u["username"] in ("alice", "bob"))
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bola",),
                             auth=(f"alice=Authorization:Bearer {alice}", f"bob=Authorization:Bearer {bob}"))
    assert created_products  # the identities' own new products (no stock) were tried first, then a listed one
    assert len(orders) == 2  # one order each, made of its own address and a listed product
    reads = {f for f in findings_at(result) if f[0] == "PR-BOLA-001"}
    expected = {("PR-BOLA-001", "GET", p) for p in ("/users/{userId}/addresses", "/users/{userId}/orders",
                                                    "/users/{userId}/orders/{orderId}",
                                                    "/users/{userId}/orders/{orderId}/status")}
    assert reads == (set() if owner_checked else expected)


@pytest.mark.parametrize("tree_protected", [True, False])
def test_open_objects_below_a_user_are_private_when_the_user_tree_refuses_anonymous(tmp_path: Path,
                                                                                    tree_protected: bool) -> None:
    users, tokens = _users()
    cards: dict[str, list[dict[str, Any]]] = {uid: [] for uid in users}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path.strip("/").split("/")
        caller = _caller(headers, tokens)
        if route[:1] != ["users"] or len(route) != 3 or route[1] not in users:
            return 404, {}, {"detail": "not found"}
        uid = route[1]
        if route[2] == "orders":  # the user's orders: for signed-in callers only, or for anyone (a public tree)
            return (401, {}, {"detail": "not authenticated"}) if tree_protected and caller is None else (
                200, {}, [])
        if route[2] != "cards":
            return 404, {}, {"detail": "not found"}
        if method == "GET":  # no authentication at all
            return 200, {}, cards[uid]
        if caller is None:
            return 401, {}, {"detail": "not authenticated"}
        holder = parse_qs(urlsplit(path).query).get("holder", [""])[0]
        card = {"card_id": str(uuid.uuid4()), "holder": holder}
        cards[uid].append(card)
        return 201, {}, card

    spec = {
        "/users/{userId}/cards": {
            "get": {"parameters": [USER_ID], "responses": OK},
            "post": {"parameters": [USER_ID, _param("holder", "query")], "security": BEARER, "responses": CREATED}},
        "/users/{userId}/orders": {"get": {"parameters": [USER_ID], "responses": OK}},
    }
    alice, bob = (t for t, u in tokens.items() if u["username"] in ("alice", "bob"))
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bola",),
                             auth=(f"alice=Authorization:Bearer {alice}", f"bob=Authorization:Bearer {bob}"))
    reads = {f for f in findings_at(result) if f[0] == "PR-BOLA-001"}
    assert reads == ({("PR-BOLA-001", "GET", "/users/{userId}/cards")} if tree_protected else set())


@pytest.mark.parametrize("owner_checked", [False, True])
def test_objects_created_through_the_query_are_updated_across_the_same_way(tmp_path: Path,
                                                                             owner_checked: bool) -> None:
    users, tokens = _users()
    cards: dict[str, dict[str, Any]] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path.strip("/").split("/")
        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        caller = _caller(headers, tokens)
        if caller is None:
            return 401, {}, {"detail": "not authenticated"}
        if route[:1] != ["users"] or len(route) < 3 or route[1] not in users or route[2] != "cards":
            return 404, {}, {"detail": "not found"}
        uid = route[1]
        if owner_checked and caller["user_id"] != uid:
            return 403, {}, {"detail": "not yours"}
        if len(route) == 3 and method == "GET":
            return 200, {}, [c for c in cards.values() if c["user_id"] == uid]
        if len(route) == 3 and method == "POST":
            card = {"card_id": str(uuid.uuid4()), "user_id": uid, "holder": query.get("holder", "")}
            cards[card["card_id"]] = card
            return 201, {}, card
        card = cards.get(route[3]) if len(route) == 4 else None
        if card is None or card["user_id"] != uid:
            return 404, {}, {"detail": "no such card"}
        if method == "PUT":
            card.update({k: v for k, v in query.items() if k == "holder"})
        return 200, {}, card

    card_id = _param("cardId", format="uuid")
    spec = {
        "/users/{userId}/cards": {
            "get": {"parameters": [USER_ID], "security": BEARER, "responses": OK},
            "post": {"parameters": [USER_ID, _param("holder", "query")], "security": BEARER, "responses": CREATED}},
        "/users/{userId}/cards/{cardId}": {
            "get": {"parameters": [USER_ID, card_id], "security": BEARER, "responses": OK},
            "put": {"parameters": [USER_ID, card_id, _optional("holder"), _optional("nickname")],
                    "security": BEARER, "responses": OK}},
    }
    alice, bob = (t for t, u in tokens.items() if u["username"] in ("alice", "bob"))
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bola",),
                             auth=(f"alice=Authorization:Bearer {alice}", f"bob=Authorization:Bearer {bob}"))
    writes = {f for f in findings_at(result) if f[0] == "PR-BOLA-002"}
    expected = {("PR-BOLA-002", "PUT", "/users/{userId}/cards/{cardId}"),
                ("PR-BOLA-002", "POST", "/users/{userId}/cards")}
    assert writes == (set() if owner_checked else expected)
