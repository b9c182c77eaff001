"""A record answered inside an envelope of status fields (``{"success": true, "order": {...}}``) is read as the
record it wraps, and objects a listing shows only the owner are tried first at the reads of that listing's own
collection (the owner's cart items, listed earlier, do not use up the tries meant for its orders). An order read
that checks its owner stays quiet either way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
TOKENS = {"tok-alice": ("alice", 1), "tok-bob": ("bob", 2)}
PARAM = {"name": "order_id", "in": "path", "required": True, "schema": {"type": "integer"}}
ORDERS = {n: {"id": n, "user_id": 1 if n < 3 else 2, "order_number": f"ORD-2024-{n:03d}", "total": f"{n * 173}.25"}
          for n in range(1, 4)}
CART = [{"id": n, "product": f"gadget-{n * 41}", "quantity": n + 1} for n in range(1, 5)]


def _app(checked: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        route = path.split("?")[0].rstrip("/")
        if who is None:
            return 401, {}, {"success": False, "error": "Not authenticated"}
        if route == "/api/me":
            return 200, {}, {"success": True, "user": {"username": who[0], "id": who[1]}}
        if route == "/api/cart":
            return 200, {}, {"success": True, "items": CART if who[1] == 1 else []}
        if route == "/api/orders":
            return 200, {}, {"success": True, "orders": [o for o in ORDERS.values() if o["user_id"] == who[1]]}
        if route.startswith("/api/orders/") and method == "GET":
            key = route.rsplit("/", 1)[1]
            order = ORDERS.get(int(key)) if key.isdigit() else None
            if order is None or (checked and order["user_id"] != who[1]):
                return 404, {}, {"success": False, "error": "Order not found"}
            return 200, {}, {"success": True, "order": order}
        return 404, {}, {"success": False, "error": "not found"}
    return app


@pytest.mark.parametrize(("listings", "checked", "expected"), [
    (False, False, True), (False, True, False), (True, False, True), (True, True, False)],
    ids=["enveloped-unchecked", "enveloped-checked", "listed-after-cart-unchecked", "listed-after-cart-checked"])
def test_orders_in_an_envelope_read_across(tmp_path: Path, listings: bool, checked: bool, expected: bool) -> None:
    spec: dict[str, Any] = {
        "/api/orders/{order_id}": {"get": {"parameters": [PARAM], "security": BEARER, "responses": OK}},
        "/api/me": {"get": {"security": BEARER, "responses": OK}}}
    if listings:
        spec = {"/api/cart": {"get": {"security": BEARER, "responses": OK}},
                "/api/orders": {"get": {"security": BEARER, "responses": OK}}, **spec}
    with loopback(_app(checked)) as url:
        result = probe_paths(tmp_path, url, spec, ("bola",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    found = ("PR-BOLA-001", "GET", "/api/orders/{order_id}") in findings_at(result)
    assert found is expected
