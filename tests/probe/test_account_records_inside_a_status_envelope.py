"""An account read answered inside an envelope of status fields (``{"success": true, "profile": {...}}``) is read as
the record it wraps: the own-account mass assignment changes the record's own fields (``role``), not the envelope's
(``success``, which a server that writes every body key as a column refuses with a 500). An update that keeps to its
allowed fields stays quiet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
FIELDS = {"type": "object", "properties": {"email": {"type": "string"}, "full_name": {"type": "string"}}}
PATHS: dict[str, Any] = {"/api/profile": {
    "get": {"security": BEARER, "responses": OK},
    "put": {"security": BEARER, "responses": OK,
            "requestBody": {"content": {"application/json": {"schema": FIELDS}}}}}}
TOKENS = {"tok-alice": 1, "tok-bob": 2}


def _app(writes_every_key: bool) -> Any:
    rows = {n: {"id": n, "username": name, "email": f"{name}@example.com", "full_name": name.title(), "role": "user"}
            for n, name in ((1, "alice"), (2, "bob"))}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if who is None or urlsplit(path).path.rstrip("/") != "/api/profile":
            return 401, {}, {"success": False, "error": "Not authenticated"}
        if method == "GET":
            return 200, {}, {"success": True, "profile": dict(rows[who])}
        data = json.loads(body or b"{}")
        allowed = set(rows[who]) - {"id"} if writes_every_key else {"email", "full_name"}
        if writes_every_key and set(data) - allowed:
            return 500, {}, {"success": False, "error": f"no such column: {sorted(set(data) - allowed)[0]}"}
        rows[who].update({k: v for k, v in data.items() if k in allowed})
        return 200, {}, {"success": True, "message": "Profile updated successfully"}
    return app


@pytest.mark.parametrize(("writes_every_key", "expected"), [(True, True), (False, False)],
                         ids=["every-key-written", "allow-list"])
def test_own_account_mass_assignment_through_an_envelope(tmp_path: Path, writes_every_key: bool,
                                                         expected: bool) -> None:
    with loopback(_app(writes_every_key)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("mass_assignment",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    assert (("PR-MASS-001", "PUT", "/api/profile") in findings_at(result)) is expected
