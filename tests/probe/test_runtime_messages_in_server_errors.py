"""A 5xx answer that carries a runtime's own exception message without its class name (a JSON parser's 'in JSON at
position 19', JavaScript's 'Cannot read properties of undefined', Python's 'division by zero', a serialized
body-parser error) is error detail
disclosed (PR-ERR-001); the same words in a deliberate 4xx answer, and a generic 500, must stay quiet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apishield.probe.checks.disclosure import RUNTIME_MESSAGE
from tests.probe.loopback import Answer, loopback, probe_paths

BODY = {"content": {"application/json": {"schema": {"type": "object", "properties": {"title": {"type": "string"}}}}}}
PATHS = {"/items": {"post": {"requestBody": BODY, "responses": {"201": {"description": "created"}}},
                    "get": {"responses": {"200": {"description": "list"}}}}}
PARSER = "Expected ',' or ']' after array element in JSON at position 19 (line 1 column 20)"
SERIALIZED = {"expose": True, "statusCode": 400, "status": 400, "body": '{"apishield": [1, 2',
              "type": "entity.parse.failed"}


def _app(status: int, answer: Any) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path.startswith("/items") and method == "POST":
            try:
                json.loads(body or b"{}")
            except ValueError:
                return status, {}, answer
            return 201, {}, {"id": 1}
        if path.startswith("/items"):
            return 200, {"X-Content-Type-Options": "nosniff"}, []
        return 404, {}, {"detail": "not found"}
    return app


@pytest.mark.parametrize(("status", "answer", "reported"), [
    (500, {"error": PARSER}, True),
    (500, {"error": "division by zero", "detail": "see the log"}, True),
    (500, SERIALIZED, True),
    (400, {"error": PARSER}, False),
    (500, {"error": "Internal Server Error"}, False),
])
def test_runtime_messages_in_server_errors(tmp_path: Path, status: int, answer: Any, reported: bool) -> None:
    with loopback(_app(status, answer)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("headers_errors",))
    assert bool([f for f in result.findings if f.rule_id == "PR-ERR-001"]) is reported


@pytest.mark.parametrize(("text", "found"), [
    ("Cannot read properties of undefined (reading 'includes')", True),
    ("Cannot destructure property 'title' of 'req.body' as it is undefined.", True),
    ("Expecting value: line 1 column 1 (char 0)", True),
    ("division by zero", True),
    ("'NoneType' object is not subscriptable", True),
    ("'dict' object has no attribute 'title'", True),
    ("invalid literal for int() with base 10: 'abc'", True),
    ("[Errno 2] No such file or directory: '/srv/app/uploads/x'", True),
    ("the index is out of range for this page", False),
    ("cannot divide the bill: no members", False),
    ("Internal Server Error", False),
    ("the title is required", False),
])
def test_runtime_message_signatures(text: str, found: bool) -> None:
    assert bool(RUNTIME_MESSAGE.search(text)) is found
