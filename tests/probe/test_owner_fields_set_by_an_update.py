"""An update of one's own object that also takes its owner field (``PUT /notes/{id} {"user_id": …}``) lets a
caller plant objects on other accounts. The first identity hands its own note to the second one; reported when
the note then reads as the second one's, and handed back by the second identity. Quiet when the server ignores
or refuses the owner field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
NOTE_ID = [{"name": "note_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
NOTE_BODY = {"content": {"application/json": {"schema": {"type": "object", "properties": {
    "title": {"type": "string"}, "content": {"type": "string"}, "user_id": {"type": "integer"}}}}}}
LOGIN_BODY = {"content": {"application/json": {"schema": {"type": "object", "properties": {
    "username": {"type": "string"}, "password": {"type": "string"}}}}}}
SPEC = {
    "/login": {"post": {"requestBody": LOGIN_BODY, "responses": OK}},
    "/notes": {"get": {"security": BEARER, "responses": OK},
               "post": {"security": BEARER, "requestBody": NOTE_BODY, "responses": {"201": {"description": "c"}}}},
    "/notes/{note_id}": {"get": {"security": BEARER, "parameters": NOTE_ID, "responses": OK},
                         "put": {"security": BEARER, "parameters": NOTE_ID, "requestBody": NOTE_BODY,
                                 "responses": OK}},
}
USERS = {"alice": (1, "alice-pass-1"), "bob": (2, "bob-pass-2")}
RECIPE = LoginRecipe("POST", "/login", token_path="token",
                     bodies=({"username": "alice", "password": "alice-pass-1"},
                             {"username": "bob", "password": "bob-pass-2"}))


def _notes_app(takes_owner: str) -> tuple[Any, dict[int, dict[str, Any]], dict[int, int]]:
    """``takes_owner``: ``yes`` (the body's user_id is stored), ``ignored`` (dropped), ``refused`` (400)."""
    notes: dict[int, dict[str, Any]] = {}
    creators: dict[int, int] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        try:
            sent = json.loads(body or b"{}")
        except ValueError:
            return 400, {}, {"error": "bad json"}
        if method == "POST" and route == "/login":
            user = USERS.get(str(sent.get("username")))
            if user is None or sent.get("password") != user[1]:
                return 401, {}, {"error": "invalid credentials"}
            return 200, {}, {"token": f"tok-{user[0]}", "user": {"id": user[0], "username": sent["username"]}}
        auth = headers.get("Authorization", "").removeprefix("Bearer ")
        me = int(auth.removeprefix("tok-")) if auth in ("tok-1", "tok-2") else None
        if me is None:
            return 401, {}, {"error": "sign in"}
        if route == "/notes" and method == "GET":
            return 200, {}, [n for n in notes.values() if n["user_id"] == me]
        if route == "/notes" and method == "POST":
            nid = len(notes) + 1
            notes[nid] = {"id": nid, "title": str(sent.get("title", "")), "content": str(sent.get("content", "")),
                          "user_id": me}
            creators[nid] = me
            return 201, {}, notes[nid]
        parts = route.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "notes" and parts[1].isdigit() and int(parts[1]) in notes:
            note = notes[int(parts[1])]
            if note["user_id"] != me:
                return 404, {}, {"error": "not found"}
            if method == "GET":
                return 200, {}, note
            if method == "PUT":
                if "user_id" in sent and sent["user_id"] != me and takes_owner == "refused":
                    return 400, {}, {"error": "user_id is not yours to set"}
                note.update({k: v for k, v in sent.items() if k in ("title", "content")
                             or (k == "user_id" and takes_owner == "yes")})
                return 200, {}, note
        return 404, {}, {"error": "not found"}

    return app, notes, creators


@pytest.mark.parametrize(("takes_owner", "fires"), [("yes", True), ("ignored", False), ("refused", False)])
def test_an_update_that_hands_an_own_object_to_another_account(tmp_path: Path, takes_owner: str,
                                                                fires: bool) -> None:
    app, notes, creators = _notes_app(takes_owner)
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl", "bola", "records"), login=RECIPE)
    found = [f for f in result.findings if f.rule_id == "PR-MASS-001" and "handed" in f.message]
    assert bool(found) is fires
    assert (("PR-MASS-001", "PUT", "/notes/{note_id}") in findings_at(result)) is fires
    if fires:
        assert "handed back" in found[0].message
    assert notes and all(n["user_id"] == creators[nid] for nid, n in notes.items())  # every note handed back
