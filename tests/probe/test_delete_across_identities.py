"""Deleting another identity's object: the owner creates one more object for the purpose and reads it back, the
other identity sends ``DELETE`` (an operation the safety rules otherwise refuse: ``deleteNote``), and a finding
needs the owner's own read to answer 404 afterwards (where nothing reads one object, the owner's listing no longer
listing it). An owner check, or a ``DELETE`` that answers 200 and deletes
nothing, stays quiet; an object the API held before is never deleted. A
route that deletes with no credential at all, where reading the object needs one, is an authentication finding."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
NOTE_ID = {"name": "note_id", "in": "path", "required": True, "schema": {"type": "string"}}
SPEC = {
    "/notes": {"post": {"operationId": "createNote", "security": BEARER, "requestBody": {"required": True, "content": {
        "application/json": {"schema": {"type": "object", "required": ["title"],
                                        "properties": {"title": {"type": "string"}}}}}},
                        "responses": {"201": {"description": "created"}}}},
    "/notes/{note_id}": {
        "get": {"operationId": "getNote", "parameters": [NOTE_ID], "security": BEARER, "responses": OK},
        "delete": {"operationId": "deleteNote", "summary": "Delete a note", "parameters": [NOTE_ID],
                   "security": BEARER, "responses": OK}},
}


#: the same notes with no operation that reads one: the collection's listing (every note, with its id and title)
LISTED_SPEC = {
    "/notes": {**SPEC["/notes"], "get": {"operationId": "listNotes", "security": BEARER, "responses": OK}},
    "/notes/{note_id}": {"delete": SPEC["/notes/{note_id}"]["delete"]},
}


def _notes_app(server: str, notes: dict[str, dict[str, Any]], deletes: list[str], listed: bool) -> Any:
    """Alice's and Bob's notes: created by POST, read one by one (or, ``listed``, only through the listing), deleted
    by ``DELETE`` with an owner check (``owner-checked``), without one (``unchecked``), or not at all while answering
    200 (``pretends``)."""
    tokens = {"tok-alice": "alice", "tok-bob": "bob"}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        caller = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if caller is None:
            return 401, {}, {"detail": "not authenticated"}
        parts = path.split("?")[0].strip("/").split("/")
        if parts == ["notes"] and method == "POST":
            note = {"id": str(uuid.uuid4()), "owner": caller, "title": json.loads(body or b"{}").get("title", "")}
            notes[note["id"]] = note
            return 201, {}, {"id": note["id"], "message": "created"} if listed else note
        if parts == ["notes"] and method == "GET" and listed:
            return 200, {}, {"notes": [{"id": n["id"], "title": n["title"]} for n in notes.values()]}
        if len(parts) == 2 and parts[0] == "notes":
            note = notes.get(parts[1])
            if note is None:
                return 404, {}, {"detail": "no such note"}
            if method == "GET" and not listed:
                return (200, {}, note) if note["owner"] == caller else (403, {}, {"detail": "not yours"})
            if method == "DELETE":
                deletes.append(parts[1])
                if server == "owner-checked" and note["owner"] != caller:
                    return 403, {}, {"detail": "not yours"}
                if server != "pretends":
                    del notes[parts[1]]
                return 200, {}, {"deleted": parts[1]}
        return 404, {}, {"detail": "not found"}
    return app


@pytest.mark.parametrize("listed", [False, True], ids=["read-one-by-one", "listing-only"])
@pytest.mark.parametrize("server", ["unchecked", "owner-checked", "pretends"])
def test_another_identity_deleting_the_owners_object(tmp_path: Path, server: str, listed: bool) -> None:
    """Without a single-object read (``listing-only``), the owner's listing is the read: the fresh object (its id and
    marker) is listed before and no longer listed after the other identity's ``DELETE``, while the listing still shows
    the rest."""
    seeded = str(uuid.uuid4())
    notes: dict[str, dict[str, Any]] = {seeded: {"id": seeded, "owner": "root", "title": "seeded"}}
    deletes: list[str] = []
    with loopback(_notes_app(server, notes, deletes, listed=listed)) as url:
        result = probe_paths(tmp_path, url, LISTED_SPEC if listed else SPEC, ("bola",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    found = {f for f in findings_at(result) if f[0] == "PR-BOLA-002"}
    assert found == ({("PR-BOLA-002", "DELETE", "/notes/{note_id}")} if server == "unchecked" else set())
    assert seeded in notes and seeded not in deletes  # what the API held before is never deleted
    assert len(deletes) == 1  # one object, made for the purpose


@pytest.mark.parametrize("delete_needs_login", [False, True])
def test_an_anonymous_delete_of_a_fresh_object_where_reading_needs_a_login(tmp_path: Path,
                                                                           delete_needs_login: bool) -> None:
    """The route that deletes takes no credential while the read of the same object does: an anonymous ``DELETE``
    of an object the probe made for the purpose is an authentication finding; nothing else is deleted."""
    tokens = {"tok-alice": "alice", "tok-bob": "bob"}
    notes: dict[str, dict[str, Any]] = {}
    anonymous_deletes: list[str] = []

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        caller = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        parts = path.split("?")[0].strip("/").split("/")
        if len(parts) == 2 and parts[0] == "notes" and method == "DELETE":
            if caller is None and delete_needs_login:
                return 401, {}, {"detail": "not authenticated"}
            note = notes.get(parts[1])
            if note is None:
                return 404, {}, {"detail": "no such note"}
            if note["owner"] != caller:  # the owner check holds; only the login is missing
                if caller is not None:
                    return 403, {}, {"detail": "not yours"}
                anonymous_deletes.append(parts[1])
            del notes[parts[1]]
            return 200, {}, {"deleted": parts[1]}
        if caller is None:
            return 401, {}, {"detail": "not authenticated"}
        if parts == ["notes"] and method == "POST":
            note = {"id": str(uuid.uuid4()), "owner": caller, "title": json.loads(body or b"{}").get("title", "")}
            notes[note["id"]] = note
            return 201, {}, note
        if len(parts) == 2 and parts[0] == "notes" and method == "GET":
            note = notes.get(parts[1])
            if note is None:
                return 404, {}, {"detail": "no such note"}
            return (200, {}, note) if note["owner"] == caller else (403, {}, {"detail": "not yours"})
        return 404, {}, {"detail": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("bola",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    found = ("PR-AUTH-001", "DELETE", "/notes/{note_id}") in findings_at(result)
    assert found is not delete_needs_login
    assert len(anonymous_deletes) <= 1  # one object, made for the purpose
    assert not [f for f in result.findings if f.rule_id == "PR-BOLA-002"]
