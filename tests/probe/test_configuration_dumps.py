"""An answer that dumps the server's environment hands out the secrets named there (``JWT_SECRET``,
``DB_PASSWORD``): reported as sensitive data (PR-AUTH-002); an environment without secret-named variables, and a
lower-case field that merely ends in ``token`` (a page cursor), stay quiet. A configuration object's own fields named
for a secret (``jwtSecret``, ``db_password``) are secrets too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import Answer, loopback, probe_paths

SPEC = {"/api/debug-info": {"get": {"responses": {"200": {"description": "diagnostics"}}}}}


@pytest.mark.parametrize(("answer", "reported"), [
    ({"env": {"NODE_ENV": "production", "JWT_SECRET": "dev-secret-key", "PATH": "/usr/bin"}}, True),
    ({"config": {"DB_PASSWORD": "s3cr3t!", "DB_HOST": "db"}}, True),
    ({"env": {"NODE_ENV": "production", "PORT": "3000"}}, False),
    ({"items": [], "next_page_token": "abc123"}, False),
    # a configuration object's own field names, camelCase or snake_case
    ({"nodeEnv": "development", "jwtSecret": "dev-jwt-secret", "port": 3000}, True),
    ({"db_host": "db", "db_password": "s3cr3t!"}, True),
    ({"passwordChangedAt": "2026-01-01", "secretQuestion": "first pet?"}, False),
])
def test_configuration_dumps(tmp_path: Path, answer: Any, reported: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        return 200, {}, answer

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl", "passive"))
    assert bool([f for f in result.findings if f.rule_id == "PR-AUTH-002"]) is reported
