"""A page describing a table's or a schema's layout (``{"users": {"password": "string"}}``,
``"password_hash": "VARCHAR(255) NOT NULL"``) names fields and their types: no password or hash is shown and it stays
quiet. The same page holding a value under that name fires (PR-AUTH-002)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.probe.loopback import Answer, Handler, loopback, probe_paths

OK = {"200": {"description": "page"}}
PATHS = {"/api/schema": {"get": {"responses": OK}}}


def _app(flaw: bool) -> Handler:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path != "/api/schema":
            return 404, {}, {"error": "not found"}
        layout = {"users": {"id": "integer", "email": "string", "password": "string",
                            "password_hash": "VARCHAR(255) NOT NULL", "api_key": "text"}}
        if flaw:
            layout["first_row"] = {"email": "bob@example.test", "password": "bobsecure77"}
        return 200, {}, layout
    return app


@pytest.mark.parametrize("flaw", [True, False])
def test_a_schema_layout_shows_no_secret(tmp_path: Path, flaw: bool) -> None:
    with loopback(_app(flaw)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("crawl", "passive"))
    hits = {f.http_path for f in result.findings if f.rule_id == "PR-AUTH-002"}
    assert hits == ({"/api/schema"} if flaw else set())
