"""A credential proves itself where the server gets past authentication: an operation that refuses a made-up token
with 401 but answers a real one 422 (its input refused, as FastAPI does for a shadowed ``/items/me`` whose id must
be a number) has accepted the real one — the run goes on, with a note that no operation answered it 2xx, instead
of stopping with "fix the credentials" because a broken ``/users/me`` refuses everyone."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.probe.loopback import Answer, loopback, probe_paths

TOKEN = "Bearer tok-alice-1"
SPEC: dict[str, Any] = {
    "/users/me": {"get": {"security": [{"token": []}], "responses": {"200": {"description": "me"}}}},
    "/documents/me": {"get": {"security": [{"token": []}], "responses": {"200": {"description": "mine"}}}},
}


def _app(valid_answer: int) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        auth = headers.get("Authorization")
        if auth is None:
            return 403, {}, {"detail": "Not authenticated"}
        if url.path == "/users/me":  # broken: refuses every token
            return 401, {}, {"detail": "Could not validate credentials"}
        if url.path == "/documents/me":
            return (valid_answer, {}, {"detail": "document_id must be an integer"}) if auth == TOKEN else (
                401, {}, {"detail": "Invalid token"})
        return 404, {}, {"detail": "Not Found"}
    return app


def test_an_input_refusal_where_a_made_up_credential_is_refused_proves_the_credential(tmp_path: Path) -> None:
    with loopback(_app(422)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl",), auth=(f"alice=Authorization:{TOKEN}",))
    assert any("past authentication only" in note for note in result.notes)


@pytest.mark.parametrize("valid_answer", [401, 500])
def test_a_refusal_or_a_server_error_proves_nothing(tmp_path: Path, valid_answer: int) -> None:
    with loopback(_app(valid_answer)) as url, pytest.raises(Exception, match="auth canary failed"):
        probe_paths(tmp_path, url, SPEC, ("crawl",), auth=(f"alice=Authorization:{TOKEN}",))
