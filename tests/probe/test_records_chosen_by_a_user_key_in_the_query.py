"""Records chosen by a user key in the query string (``GET /api/orders?user_id=3``): the other identity naming the
owner's key and shown the owner's records is a read finding. A listing that checks the key against the caller, one
that shows every record whatever the key (not this finding), and one anyone may read stay quiet."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
TOKENS = {"tok-alice": ("alice", 2), "tok-bob": ("bob", 3)}
ORDERS = [{"id": n, "user_id": 2 if n % 2 else 3, "order_number": f"ORD-{n * 7919}", "total_amount": f"{n * 31}.40"}
          for n in range(1, 7)]
PATHS: dict[str, Any] = {
    "/api/orders": {"get": {"security": BEARER, "responses": OK, "parameters": [
        {"name": "user_id", "in": "query", "required": False, "schema": {"type": "integer"}}]}},
    "/api/me": {"get": {"security": BEARER, "responses": OK}},
}


def _app(mode: str) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        who = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if who is None and mode != "anyone":
            return 401, {}, {"error": "login first"}
        if url.path.rstrip("/") == "/api/me" and who is not None:
            return 200, {}, {"user": {"username": who[0], "id": who[1]}}
        if url.path.rstrip("/") == "/api/orders":
            asked = parse_qs(url.query).get("user_id", [str(who[1]) if who else ""])[0]
            if mode == "checked" and who is not None and asked != str(who[1]):
                return 403, {}, {"error": "not your orders"}
            shown = ORDERS if mode == "everything" else [o for o in ORDERS if str(o["user_id"]) == asked]
            return 200, {}, {"orders": shown}
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize(("mode", "expected"), [
    ("unchecked", True), ("checked", False), ("everything", False), ("anyone", False)])
def test_records_chosen_by_a_query_key(tmp_path: Path, mode: str, expected: bool) -> None:
    with loopback(_app(mode)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("bola",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    found = [f for f in result.findings if f.rule_id == "PR-BOLA-001" and "?user_id=" in f.message]
    assert bool(found) is expected
    if mode == "unchecked":
        assert ("PR-BOLA-001", "GET", "/api/orders") in findings_at(result)
