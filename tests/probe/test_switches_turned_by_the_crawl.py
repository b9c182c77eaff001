"""An optional flag parameter (a header or query value the description types as a boolean, or an integer whose
default is 0 or 1) is sent once with its other value by the crawl, so an answer that shows more with the switch
turned — another user's e-mail behind ``Hide-Info: 0`` — is read like any other answer (PR-DATA-003 must fire). An
API that hides the e-mail whatever the header says stays quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

SPEC = {"/api/users/{user_id}": {"get": {"parameters": [
    {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer", "example": 2}},
    {"name": "Hide-Info", "in": "header", "required": False, "schema": {"type": "integer", "default": 1}}],
    "responses": {"200": {"description": "a user"}}}}}


@pytest.mark.parametrize("obeys_the_header", [True, False])
def test_a_switch_that_shows_more(tmp_path: Path, obeys_the_header: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        record = {"id": 2, "username": "bob", "first_name": "Bob"}
        hide = next((v for k, v in headers.items() if k.lower() == "hide-info"), "1")
        if obeys_the_header and hide == "0":
            record["email"] = "bob@example.com"
        return 200, {}, record

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl", "exposure"))
    found = {f for f in findings_at(result) if f[0] == "PR-DATA-003"}
    assert bool(found) is obeys_the_header
