"""A file parameter whose documented value already reads a system file (``?file=passwd`` answering a password file's
lines) picks the files the server reads: PR-PATH-001, when another name reads something else. An answer that shows
such lines whatever the parameter says (a page about the format) is not the parameter's doing and stays quiet."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import Answer, Handler, loopback, probe_paths

PASSWD = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n"
PATHS = {"/api/files/read": {"get": {
    "parameters": [{"name": "file", "in": "query", "required": True, "schema": {"type": "string"},
                    "example": "passwd"}],
    "responses": {"200": {"description": "the file"}}}}}


def _app(chosen: bool) -> Handler:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        if url.path != "/api/files/read":
            return 404, {}, {"error": "not found"}
        name = parse_qs(url.query).get("file", [""])[0]
        if not chosen:
            return 200, {"Content-Type": "text/plain"}, "Format of a password file:\n" + PASSWD
        if name == "passwd":
            return 200, {"Content-Type": "text/plain"}, PASSWD
        return 404, {}, {"error": f"no such file in secrets/: {name[:20]}"}
    return app


@pytest.mark.parametrize("chosen", [True, False])
def test_a_system_file_named_by_the_documented_value(tmp_path: Path, chosen: bool) -> None:
    with loopback(_app(chosen)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("injection",))
    hits = {f.http_path for f in result.findings if f.rule_id == "PR-PATH-001"}
    assert hits == ({"/api/files/read"} if chosen else set())
