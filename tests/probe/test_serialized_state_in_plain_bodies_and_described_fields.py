"""Serialized data where no parameter name says so: a ``text/plain`` body that is one base64 string (a saved
session resumed), and a JSON field declared ``format: byte`` (a snapshot imported). The loopback apps really
decode what they get: ``pickle.loads`` must make the probe report; ``json.loads`` of the same decoded bytes must
keep it quiet."""

from __future__ import annotations

import base64
import binascii
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

PLAIN = {"/session/resume": {"post": {"summary": "Resume a saved session", "requestBody": {"content": {
    "text/plain": {"schema": {"type": "string", "description": "the saved state", "example": "e30="}}}},
    "responses": OK}}}
BYTES = {"/admin/import": {"post": {"summary": "Import records", "requestBody": {"content": {
    "application/json": {"schema": {"type": "object", "required": ["data"], "properties": {
        "data": {"type": "string", "format": "byte"}}}}}}, "responses": OK}}}


def _decode(raw: bytes, unsafe: bool) -> Answer:
    try:
        decoded = base64.b64decode(raw, validate=False)
        state: Any = pickle.loads(decoded) if unsafe else json.loads(decoded)  # the flaw under test
    except (binascii.Error, ValueError, pickle.UnpicklingError, EOFError, KeyError, AttributeError, TypeError):
        return 400, {}, {"error": "not a saved state"}
    return 200, {}, {"restored": str(state)[:80]}


@pytest.mark.parametrize("unsafe", [True, False])
def test_a_plain_text_body_unpickled_is_found(tmp_path: Path, unsafe: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method == "POST" and path.startswith("/session/resume"):
            if "text/plain" not in headers.get("Content-Type", ""):
                return 415, {}, {"error": "text/plain expected"}
            return _decode(body.strip(), unsafe)
        return 404, {}, {"error": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, PLAIN, ("injection",))
    found = {f for f in findings_at(result) if f[0] == "PR-DESER-001"}
    assert found == ({("PR-DESER-001", "POST", "/session/resume")} if unsafe else set())


@pytest.mark.parametrize("unsafe", [True, False])
def test_a_field_declared_as_base64_unpickled_is_found(tmp_path: Path, unsafe: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method == "POST" and path.startswith("/admin/import"):
            try:
                sent = json.loads(body or b"{}")
            except ValueError:
                return 400, {}, {"error": "bad json"}
            return _decode(str(sent.get("data", "")).encode(), unsafe) if isinstance(sent, dict) else (400, {}, {})
        return 404, {}, {"error": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, BYTES, ("injection",))
    found = {f for f in findings_at(result) if f[0] == "PR-DESER-001"}
    assert found == ({("PR-DESER-001", "POST", "/admin/import")} if unsafe else set())
