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
