"""A password or PIN reset changes one account's credential, named by its input: it is probed like any other
operation, while resets of the application's state (reset the database, start over, reset all passwords) stay
off-limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest

from apishield.probe.targets import Operation, Param
from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

USER = (Param("username", "query", True),)


@pytest.mark.parametrize(("op", "destructive"), [
    (Operation("POST", "/password/reset", params=USER), False),
    (Operation("POST", "/api/v1/forgot-password", summary="Request password reset",
               body_schema={"type": "object", "properties": {"username": {"type": "string"}}}), False),
    (Operation("POST", "/users/{id}/reset-pin", params=(Param("id", "path", True),)), False),
    (Operation("POST", "/reset", params=USER), True),
    (Operation("POST", "/api/reset-db", summary="Reset database"), True),
    (Operation("POST", "/password/reset"), True),  # takes nothing: whose password?
    (Operation("POST", "/admin/passwords", summary="Reset all passwords", params=USER), True),
    (Operation("POST", "/password/reset", summary="Reset password and wipe the database", params=USER), True),
])
def test_a_password_reset_is_not_destructive_but_a_state_reset_is(op: Operation, destructive: bool) -> None:
    assert op.looks_destructive() is destructive


RESET = {"/password/reset": {"post": {"summary": "Reset password", "parameters": [
    {"name": "username", "in": "query", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "reset"}}}}}


def _app(injectable: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not path.startswith("/password/reset"):
            return 404, {}, {"detail": "not found"}
        name = unquote_plus(path.partition("username=")[2])
        if injectable and name.count("'") % 2:
            return 500, {}, {"detail": "sqlite3.OperationalError: unrecognized token: \"'\""}
        return 200, {}, {"message": "if the account exists, a reset mail was sent"}
    return app


@pytest.mark.parametrize("injectable", [True, False])
def test_a_password_reset_is_probed_for_injection(tmp_path: Path, injectable: bool) -> None:
    with loopback(_app(injectable)) as url:
        result = probe_paths(tmp_path, url, RESET, ("crawl", "injection"))
    sqli = ("PR-SQLI-001", "POST", "/password/reset") in findings_at(result)
    assert sqli is injectable


def test_no_tautology_is_sent_to_a_password_reset(tmp_path: Path) -> None:
    sent: list[str] = []

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        sent.append(unquote_plus(path))
        return _app(False)(method, path, headers, body)

    with loopback(app) as url:
        probe_paths(tmp_path, url, RESET, ("crawl", "injection"))
    calls = [p for p in sent if p.startswith("/password/reset")]
    assert any("'" in p for p in calls)  # it was probed ...
    assert not [p for p in calls if " OR 1=1" in p or " OR 2>1" in p]  # ... never with a tautology
