"""An administrative read answered to the first identity is a function-level flaw only when ordinary users get it: if
the run's other identity is refused there, the operation checks a role and the first identity holds it (an
administrator the probe was not told of), so nothing is reported; if both are answered, it is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
TOKENS = {"tok-alice": "alice", "tok-bob": "bob"}
USERS = [{"id": 1, "username": "alice", "email": "alice@example.org"},
         {"id": 2, "username": "bob", "email": "bob@example.org"}]


@pytest.mark.parametrize(("admins", "reported"), [
    (frozenset({"alice", "bob"}), True),  # every signed-in user passes: no role is checked
    (frozenset({"alice"}), False),  # bob is refused: alice holds the role the operation checks
])
def test_an_administrative_read_refused_to_the_other_identity(tmp_path: Path, admins: frozenset[str],
                                                               reported: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if path.split("?")[0] != "/api/admin/users":
            return 404, {}, {"detail": "not found"}
        if who is None:
            return 401, {}, {"detail": "sign in"}
        return (200, {}, USERS) if who in admins else (403, {}, {"detail": "administrators only"})

    spec = {"/api/admin/users": {"get": {"security": BEARER, "responses": OK}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bfla",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    assert (("PR-BFLA-001", "GET", "/api/admin/users") in findings_at(result)) is reported
    assert reported or any("appears to hold it" in n for n in result.notes)


@pytest.mark.parametrize(("path", "answer", "reported"), [
    ("/api/admin/users", USERS, True),  # named for administrators: any answer to an ordinary user is the flaw
    ("/api/internal/wallet", {"user_id": 1, "credits": 40}, False),  # the caller's own wallet: an ordinary tool
    ("/api/internal/all-data", [{**u, "password_hash": "$2b$12$" + "a" * 53, "api_key": f"key-{u['id']}"}
                                for u in USERS], True),  # every account's secrets
])
def test_an_internal_path_needs_secrets_in_its_answer(tmp_path: Path, path: str, answer: object,
                                                      reported: bool) -> None:
    """``internal`` (like ``manage`` or ``ops``) also names tools of ordinary users: a read there is reported only
    when what it answers an ordinary user holds secrets; ``/admin`` needs no such sign."""
    def app(method: str, request_path: str, headers: dict[str, str], body: bytes) -> Answer:
        who = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if request_path.split("?")[0] != path:
            return 404, {}, {"detail": "not found"}
        return (200, {}, answer) if who is not None else (401, {}, {"detail": "sign in"})

    spec = {path: {"get": {"security": BEARER, "responses": OK}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bfla",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    assert (("PR-BFLA-001", "GET", path) in findings_at(result)) is reported
