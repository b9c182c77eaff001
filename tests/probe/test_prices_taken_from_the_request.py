"""A catalogue item added to a cart (or a cart line updated) at the price the request names, shown at that price by
the cart's own listing, is reported (PR-BIZ-001); a shop that looks the price up from the item's id stays quiet, and
so does one that only echoes the sent price in the write's answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
LINE = {"type": "object", "properties": {"product_id": {"type": "integer"}, "quantity": {"type": "integer"},
                                         "price": {"type": "number"}}}
PATHS: dict[str, Any] = {
    "/api/products": {"get": {"responses": OK}},
    "/api/cart": {"get": {"security": BEARER, "responses": OK}},
    "/api/cart/add": {"post": {"security": BEARER, "responses": OK,
                               "requestBody": {"content": {"application/json": {"schema": LINE}}}}},
    "/api/cart/update/{item_id}": {"put": {
        "security": BEARER, "responses": OK,
        "parameters": [{"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "requestBody": {"content": {"application/json": {"schema": LINE}}}}},
}
PRODUCTS = [{"id": 7, "name": "Laptop", "price": 1299.99}, {"id": 8, "name": "Mouse", "price": 24.5}]
TOKENS = {"tok-alice": 1, "tok-bob": 2}


def _app(add_trusts: bool, update_trusts: bool) -> Any:
    lines: list[dict[str, Any]] = []

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path.rstrip("/")
        if route == "/api/products":
            return 200, {}, {"success": True, "products": PRODUCTS}
        who = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if who is None:
            return 401, {}, {"error": "login first"}
        data = json.loads(body or b"{}") if method in ("POST", "PUT") else {}
        if route == "/api/cart" and method == "GET":
            return 200, {}, {"success": True, "items": [dict(line) for line in lines if line["user_id"] == who]}
        if route == "/api/cart/add" and method == "POST":
            product = next((p for p in PRODUCTS if p["id"] == data.get("product_id")), None)
            if product is None:
                return 404, {}, {"error": "no such product"}
            price = float(data["price"]) if add_trusts and "price" in data else product["price"]
            lines.append({"id": len(lines) + 1, "user_id": who, "product_id": product["id"],
                          "quantity": int(data.get("quantity") or 1), "price": price})
            return 200, {}, {"success": True, "price": data.get("price")}  # an echo proves nothing
        if route.startswith("/api/cart/update/") and method == "PUT":
            line = next((x for x in lines if str(x["id"]) == route.rsplit("/", 1)[1] and x["user_id"] == who), None)
            if line is None:
                return 404, {}, {"error": "not found"}
            line["quantity"] = int(data.get("quantity") or line["quantity"])
            if update_trusts and "price" in data:
                line["price"] = float(data["price"])
            return 200, {}, {"success": True}
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize(("add_trusts", "update_trusts", "expected"), [
    (True, True, {"POST", "PUT"}), (False, True, {"PUT"}), (False, False, set())],
    ids=["both-trust-the-client", "update-trusts-the-client", "catalogue-price"])
def test_prices_taken_from_the_request(tmp_path: Path, add_trusts: bool, update_trusts: bool,
                                       expected: set[str]) -> None:
    with loopback(_app(add_trusts, update_trusts)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("prices",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    assert {method for rule, method, _path in findings_at(result) if rule == "PR-BIZ-001"} == expected
