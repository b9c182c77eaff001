"""A file uploaded through the API must not come back from its origin as a page the browser runs: an HTML upload
served as ``text/html`` (under its own name, or where the answer says it was stored) is reported; one served as
plain text, as a download, sandboxed, or not at all stays quiet."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

UPLOAD = {"/upload": {"post": {
    "requestBody": {"content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": {"file": {"type": "string", "format": "binary"}, "title": {"type": "string"}},
        "required": ["file"]}}}},
    "responses": {"201": {"description": "stored"}}}}}


def _store(mode: str) -> Any:
    stored: dict[str, tuple[str, bytes]] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method == "POST" and path.startswith("/upload"):
            found = re.search(rb'filename="([^"]+)"\r\nContent-Type: ([^\r]+)\r\n\r\n(.*?)\r\n--', body, re.S)
            if found is None:
                return 400, {}, {"error": "no file"}
            name = found.group(1).decode()
            if mode == "renamed":
                name = "f-7731-" + name  # stored under a new name, answered as a path
            stored[name] = (found.group(2).decode(), found.group(3))
            return 201, {}, {"stored": f"/files/{name}" if mode == "renamed" else name}
        for prefix in ("/uploads/", "/files/"):
            if method == "GET" and path.startswith(prefix) and path[len(prefix):] in stored and mode != "unserved":
                kind, data = stored[path[len(prefix):]]
                extra = {"Content-Type": "text/plain" if mode == "plain" else kind}
                if mode == "download":
                    extra["Content-Disposition"] = "attachment"
                return 200, extra, data.decode()
        return 404, {}, {"detail": "not found"}
    return app


@pytest.mark.parametrize(("mode", "reported"), [
    ("html", True),        # must fire: served under its own name as the type the client gave
    ("renamed", True),     # must fire: served where the upload's answer said it was stored
    ("plain", False),      # must stay quiet: served as text
    ("download", False),   # must stay quiet: served as a download
    ("unserved", False),   # must stay quiet: never served back
])
def test_an_uploaded_page_served_from_the_origin(tmp_path: Path, mode: str, reported: bool) -> None:
    with loopback(_store(mode)) as url:
        result = probe_paths(tmp_path, url, UPLOAD, ("uploads",))
    found = [r for r, _m, _p in findings_at(result) if r == "PR-UPLOAD-001"]
    assert bool(found) is reported
