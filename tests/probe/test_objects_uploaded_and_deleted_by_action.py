"""Objects made by a multipart upload and deleted by an action below them: the probe's own objects are created the
way the description says the collection reads them (a multipart form with the file as a file part), so the
object-level checks have something to read and delete across identities; a delete sent as ``POST /photos/{id}/delete``
(or by GET) is a delete, asked only of a fresh object the probe made for the purpose — never by a read, a crawl or
on an object the API held before. An owner check stays quiet."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
PHOTO_ID = {"name": "photo_id", "in": "path", "required": True, "schema": {"type": "integer"}}
UPLOAD = {"multipart/form-data": {"schema": {"type": "object", "required": ["photo", "title"], "properties": {
    "photo": {"type": "string", "format": "binary"}, "title": {"type": "string"}}}}}
SPEC: dict[str, Any] = {
    "/photos": {"post": {"security": BEARER, "requestBody": {"required": True, "content": UPLOAD},
                         "responses": {"200": {"description": "stored"}}}},
    "/photos/{photo_id}": {"get": {"parameters": [PHOTO_ID], "security": BEARER, "responses": OK}},
    "/photos/{photo_id}/delete": {
        "post": {"summary": "delete a photo", "parameters": [PHOTO_ID], "security": BEARER, "responses": OK},
        "get": {"summary": "delete a photo (by GET)", "parameters": [PHOTO_ID], "security": BEARER, "responses": OK}},
}
AUTH = ("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob")


def _field(body: bytes, name: str, file: bool = False) -> str | None:
    """A multipart part's text (``file``: only a part sent as a file, with a file name)."""
    head = rf'name="{name}"' + (r'; filename="[^"]+"\r\nContent-Type: [^\r]+' if file else "")
    found = re.search(head.encode() + rb"\r\n\r\n(.*?)\r\n--", body, re.S)
    return found.group(1).decode() if found else None


def _gallery(checked: bool, photos: dict[int, dict[str, Any]], deleted: list[tuple[str, int, str]]) -> Any:
    tokens = {"tok-alice": "alice", "tok-bob": "bob"}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        caller = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if caller is None:
            return 401, {}, {"error": "login first"}
        parts = path.split("?")[0].strip("/").split("/")
        if parts == ["photos"] and method == "POST":
            if "multipart/form-data" not in headers.get("Content-Type", "") or _field(body, "photo", True) is None:
                return 400, {}, {"error": "no file uploaded"}
            new = max(photos) + 1
            photos[new] = {"id": new, "owner": caller, "title": _field(body, "title") or ""}
            return 200, {}, {"ok": True, "id": new}
        if len(parts) >= 2 and parts[0] == "photos" and parts[1].isdigit():
            photo = photos.get(int(parts[1]))
            if photo is None:
                return 404, {}, {"error": "not found"}
            if checked and photo["owner"] != caller:
                return 403, {}, {"error": "not yours"}
            if parts[2:] == ["delete"]:
                deleted.append((method, photo["id"], photo["owner"]))
                del photos[photo["id"]]
                return 200, {}, {"ok": True}
            if parts[2:] == [] and method == "GET":
                return 200, {}, photo
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize("checked", [False, True], ids=["unchecked", "owner-checked"])
def test_uploaded_objects_are_read_and_deleted_across_identities(tmp_path: Path, checked: bool) -> None:
    photos: dict[int, dict[str, Any]] = {1: {"id": 1, "owner": "root", "title": "seeded"}}
    deleted: list[tuple[str, int, str]] = []
    with loopback(_gallery(checked, photos, deleted)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl", "bola"), auth=AUTH)
    found = {f for f in findings_at(result) if f[0].startswith("PR-BOLA")}
    expected = {("PR-BOLA-001", "GET", "/photos/{photo_id}"), ("PR-BOLA-002", "POST", "/photos/{photo_id}/delete")}
    assert found == (set() if checked else expected)
    assert 1 in photos  # what the API held before is never deleted
    assert all(method == "POST" for method, _, _ in deleted)  # the GET that deletes is never sent
    assert len(deleted) <= 1  # one object, made for the purpose
