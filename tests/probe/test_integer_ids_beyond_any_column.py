"""An integer path parameter asked with an id no database column holds (2**63): an API that fails on it with a 500
and the database's error text (sqlite3's "too large to convert to SQLite INTEGER") must make the probe fire, the
text read as the database's own; one that answers 404 must leave it quiet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

PATHS = {
    "/api/items/{item_id}": {"get": {"security": [], "parameters": [
        {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "an item"}}}},
}


def _app(fails: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        tail = path.rsplit("/", 1)[-1]
        if not path.startswith("/api/items/") or not tail.isdigit():
            return 404, {}, {"detail": "not found"}
        if int(tail) > 2**63 - 1:
            if fails:
                return 500, {}, {"error": "Python int too large to convert to SQLite INTEGER",
                                 "trace": "<traceback object at 0x7f3a2c1b9e40>"}
            return 404, {}, {"detail": "no such item"}
        return (200, {}, {"id": int(tail), "name": "pen"}) if int(tail) < 10 else (404, {}, {"detail": "no such item"})
    return app


@pytest.mark.parametrize("fails", [True, False])
def test_an_id_no_column_holds(tmp_path: Path, fails: bool) -> None:
    with loopback(_app(fails)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("headers_errors", "passive"))
    errors = {rule for rule, method, path in findings_at(result)
              if rule.startswith("PR-ERR") and path == "/api/items/{item_id}"}
    assert bool(errors) is fails
    assert ("PR-ERR-003" in errors) is fails  # the database's own range error is disclosed
