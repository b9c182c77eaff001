"""A password inside a recorded request or a log line that an answer carries (a served HAR capture whose login
entry holds ``username=…&password=…``, a log of JSON bodies, a plain-text access log) is sensitive data, whoever's
password it is. Masked and placeholder values (``****``, ``{password}``, ``<password>``), prose about passwords,
a hash, and an answer that echoes the password its own request sent stay quiet."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from apishield.probe.checks._util import recorded_passwords
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

Q = {"name": "q", "in": "query", "required": False, "schema": {"type": "string"}}
PATHS: dict[str, Any] = {"/dev/capture": {"get": {"responses": OK}},
                         "/api/echo": {"get": {"parameters": [Q], "responses": OK}}}


def _capture(kind: str) -> tuple[dict[str, str], Any]:
    if kind == "har":
        return {}, {"log": {"entries": [{"request": {"method": "POST", "url": "http://x/login", "postData": {
            "mimeType": "application/x-www-form-urlencoded", "text": "username=admin&password=Sup3rSecret"}}}]}}
    if kind == "json-log":
        return {}, {"lines": ['POST /login {"user": "carol", "password": "carol-pass-77"}']}
    if kind == "text-log":
        return {"Content-Type": "text/plain"}, "10:00 POST /auth user=dave&pwd=dave-pass-12 200\n"
    if kind == "masked":
        return {}, {"log": [{"body": "username=admin&password=********"}, {"body": "password={password}"},
                            {"body": 'curl -d "user=a&password=<password>"'}]}
    if kind == "prose":
        return {}, {"help": "Your password: must have 12 characters", "note": "stored as pwd=$2b$12$abcdefghijklmnop"}
    return {}, {"ok": True}


def _app(kind: str) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(path)
        if parts.path == "/dev/capture":
            extra, data = _capture(kind)
            return 200, extra, data
        if parts.path == "/api/echo":  # the query answered back: an echo, never a leak
            return 200, {}, {"you_sent": "password=" + parse_qs(parts.query).get("q", [""])[0]}
        return 404, {}, {"detail": "not found"}

    return app


@pytest.mark.parametrize(("kind", "fires"), [
    ("har", True), ("json-log", True), ("text-log", True), ("masked", False), ("prose", False),
])
def test_passwords_inside_recorded_requests(tmp_path: Path, kind: str, fires: bool) -> None:
    with loopback(_app(kind)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("crawl", "injection", "passive"))
    found = findings_at(result)
    assert (("PR-AUTH-002", "GET", "/dev/capture") in found) is fires
    assert ("PR-AUTH-002", "GET", "/api/echo") not in found


def test_recorded_passwords_reads_values_not_fields() -> None:
    assert recorded_passwords({"password": "a-field-value"}) == []
    assert recorded_passwords({"cmd": "mysql -u root --password=Tr0ub4dor"}) == ["Tr0ub4dor"]
    assert recorded_passwords(["line 1", "login ok password=hunter2x"]) == ["hunter2x"]
