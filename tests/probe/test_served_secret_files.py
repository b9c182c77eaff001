"""Environment files and configuration backups left where the server serves them: a ``.env`` at the root, or a
backup name through a file-name parameter, answered with secret settings, must make the probe fire; a server that
answers any name alike (a catch-all page), or whose files hold no secrets, must leave it quiet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

ENV = "APP_NAME=shop\nJWT_SECRET=cafe-babe-1234\nSMTP_PASS=mail-pass-99\nDEBUG=false\n"
SETTINGS = {"APP_NAME": "shop", "JWT_SECRET": "cafe-babe-1234", "AWS_SECRET_KEY": "k" * 30}
PATHS = {
    "/api/items": {"get": {"security": [], "responses": {"200": {"description": "items"}}}},
    "/api/backups/{filename}": {"get": {"security": [], "parameters": [
        {"name": "filename", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "a backup"}}}},
}


def _app(how: str) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path == "/api/items":
            return 200, {}, [{"id": 1, "name": "pen"}]
        if how == "root-env" and path == "/.env":
            return 200, {"Content-Type": "text/plain"}, ENV
        if how == "backup" and path == "/api/backups/config.bak":
            return 200, {}, SETTINGS
        if how == "catch-all":
            return 200, {}, SETTINGS
        if how == "no-secrets" and path == "/.env":
            return 200, {"Content-Type": "text/plain"}, "APP_NAME=shop\nDEBUG=false\nPORT=8000\n"
        return 404, {}, {"detail": "not found"}
    return app


@pytest.mark.parametrize(("how", "where"), [
    ("root-env", ("GET", "/.env")), ("backup", ("GET", "/api/backups/{filename}")),
    ("catch-all", None), ("no-secrets", None)])
def test_secret_files_the_server_hands_out(tmp_path: Path, how: str, where: tuple[str, str] | None) -> None:
    with loopback(_app(how)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("secret_files",))
    fired = {(m, p) for rule, m, p in findings_at(result) if rule == "PR-DATA-005"}
    assert fired == ({where} if where else set())
