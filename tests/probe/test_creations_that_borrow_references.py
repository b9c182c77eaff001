"""Objects other checks need, made with references borrowed from existing records.

* A creation refused because a field names an object the description gives no listing of (``doctor_id`` with no
  ``/doctors``) is tried again with the value an existing object of the same collection holds, so the new
  object points where real ones do; the object made that way is then read across identities (must fire when the
  read checks no owner, stay quiet when it does).
* Many objects of one collection do not crowd out the identity's record in another: at most two per collection
  are taken, in order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.checks.records import spread
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
TOKENS = {"tok-alice": 1, "tok-bob": 2}
VISIT = {"content": {"application/json": {"schema": {"type": "object", "required": ["doctor_id", "notes"],
                                                      "properties": {"doctor_id": {"type": "integer"},
                                                                     "notes": {"type": "string"}}}}}}
VISIT_ID = [{"name": "visit_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
SPEC = {"/api/visits": {"get": {"security": BEARER, "responses": OK},
                        "post": {"security": BEARER, "requestBody": VISIT, "responses": {"201": {"description": "c"}}}},
        "/api/visits/{visit_id}": {"get": {"security": BEARER, "parameters": VISIT_ID, "responses": OK}},
        "/api/me": {"get": {"security": BEARER, "responses": OK}}}


def _clinic(checked: bool) -> Any:
    visits: dict[int, dict[str, Any]] = {1: {"id": 1, "doctor_id": 40, "user_id": 9, "notes": "seeded checkup"}}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        me = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        route = urlsplit(path).path.rstrip("/")
        if me is None:
            return 401, {}, {"detail": "not authenticated"}
        if route == "/api/me":
            return 200, {}, {"id": me, "username": {1: "alice", 2: "bob"}[me]}
        if route == "/api/visits" and method == "GET":
            return 200, {}, [v for v in visits.values() if not checked or v["user_id"] == me] or [visits[1]]
        if route == "/api/visits" and method == "POST":
            sent = json.loads(body or b"{}")
            if sent.get("doctor_id") != 40:
                return 400, {}, {"detail": "Invalid doctor_id"}
            vid = max(visits) + 1
            visits[vid] = {"id": vid, "doctor_id": 40, "user_id": me, "notes": str(sent.get("notes", ""))}
            return 201, {}, visits[vid]
        key = route.rsplit("/", 1)[1]
        visit = visits.get(int(key)) if key.isdigit() else None
        if visit is None or (checked and visit["user_id"] != me):
            return 404, {}, {"detail": "not found"}
        return 200, {}, visit
    return app


@pytest.mark.parametrize("checked", [False, True])
def test_a_creation_refused_for_an_unknown_reference_borrows_an_existing_ones(tmp_path: Path, checked: bool) -> None:
    with loopback(_clinic(checked)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl", "bola"),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    assert (("PR-BOLA-001", "GET", "/api/visits/{visit_id}") in findings_at(result)) is not checked


def test_many_objects_of_one_collection_leave_room_for_the_others() -> None:
    owned = [("/api/appointments", n) for n in range(1, 9)] + [("/api/patients", 1)]
    assert spread(owned) == [("/api/appointments", 1), ("/api/appointments", 2), ("/api/patients", 1)]
