"""A GET the API description leaves unmarked is still reported when it answers an anonymous caller what only a
signed-in caller should see: a listing under an administrative path (records as objects or database rows as
arrays), or the account record (role, administrator
flag, credentials) of one of the probe's identities. A public profile, an administrative path that refuses
strangers and an administrative answer that lists nothing stay quiet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

TOKENS = {"tok-alice": ("alice", 11), "tok-bob": ("bob", 12)}
USERS = [{"id": 11, "username": "alice", "role": "user", "email": "alice@example.org"},
         {"id": 12, "username": "bob", "role": "user", "email": "bob@example.org"}]
PROFILES = [{"username": "alice", "bio": "hello"}, {"username": "bob", "bio": "hi"}]


@pytest.mark.parametrize(("path", "anonymous", "reported"), [
    ("/api/admin/users", USERS, True),  # an administrative listing, open to anyone
    ("/api/admin/users", None, False),  # refused to strangers
    ("/api/admin/status", {"status": "ok", "uptime": 3}, False),  # administrative, but lists nothing
    ("/api/users", {"users": USERS}, True),  # the identities' accounts with their roles, in an envelope
    ("/api/profiles", PROFILES, False),  # public profiles: no account fields
    ("/api/members", [{"username": "carol", "role": "user"}], False),  # nobody the probe knows
    ("/api/v1/legacy-users", [{"id": 11, "email": "alice@example.org", "role": "user"}], True),  # named by e-mail
    # database rows answered as arrays under an administrative path (a cursor's fetchall())
    ("/api/v2/admin/debug/export-users", {"users": [[1, "admin", "$2b$12$x", "admin"], [2, "alice", "$2b$12$y",
                                                                                        "user"]]}, True),
    ("/api/admin/totals", {"totals": [3, 4]}, False),  # numbers, no rows
], ids=["admin-listing", "admin-refused", "admin-status", "accounts", "profiles", "strangers", "by-email",
        "admin-row-arrays", "admin-numbers"])
def test_unmarked_reads_answered_to_anonymous_callers(tmp_path: Path, path: str, anonymous: Any,
                                                       reported: bool) -> None:
    def app(method: str, route: str, headers: dict[str, str], body: bytes) -> Answer:
        who = TOKENS.get(headers.get("Authorization", "").removeprefix("Bearer "))
        route = route.split("?")[0].rstrip("/")
        if route == "/api/me":
            return (200, {}, {"username": who[0], "id": who[1]}) if who else (401, {}, {"detail": "sign in"})
        if route == path and method == "GET":
            if anonymous is None and who is None:
                return 401, {}, {"detail": "sign in"}
            return 200, {}, anonymous if anonymous is not None else USERS
        return 404, {}, {"detail": "not found"}

    spec = {path: {"get": {"responses": OK}}, "/api/me": {"get": {"responses": OK}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("authn",),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    found = {f[2] for f in findings_at(result) if f[0] == "PR-AUTH-001"}
    assert (path in found) == reported


@pytest.mark.parametrize(("path", "answer", "reported"), [
    ("/api/admin/stats", {"per_user": [{"user": "alice", "spent": 120.5}, {"user": "bob", "spent": 80.0}]}, True),
    ("/api/admin/health", {"status": "ok"}, False),  # administrative, but lists nothing
    ("/api/catalogue", [{"id": 1, "name": "lamp"}, {"id": 2, "name": "desk"}], False),  # not administrative
    ("/api/users/1", {"id": 1, "username": "admin", "password": "admin123", "role": "admin"}, True),  # an account
    # with its password, answered to anyone
    ("/api/users/2", {"id": 2, "username": "alice", "bio": "hello"}, False),  # a public profile
], ids=["admin-listing", "admin-health", "catalogue", "account-with-password", "profile"])
def test_what_an_anonymous_answer_shows_is_read_in_a_run_without_identities(tmp_path: Path, path: str, answer: Any,
                                                                       reported: bool) -> None:
    """With no credentials at all the probe cannot compare what a signed-in caller sees; an administrative path that
    answers anyone a listing of records, or an account record with its password, still says it should have
    refused."""
    def app(method: str, route: str, headers: dict[str, str], body: bytes) -> Answer:
        return (200, {}, answer) if route.split("?")[0] == path else (404, {}, {"detail": "not found"})

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, {path: {"get": {"responses": OK}}}, ("authn",))
    found = {f[2] for f in findings_at(result) if f[0] == "PR-AUTH-001"}
    assert (path in found) == reported


@pytest.mark.parametrize(("path", "answer", "reported"), [
    ("/api/admin/users", USERS, True),  # an administrator's listing: a declaration cannot make it public
    ("/api/admin/config", {"database": {"host": "db", "password": "s3cret-db"}, "debug": True}, True),  # settings
    # with a secret
    ("/api/admin/status", {"status": "ok", "uptime": 3}, False),  # administrative, but shows nothing of anyone's
    ("/api/catalogue", [{"id": 1, "name": "lamp"}, {"id": 2, "name": "desk"}], False),  # declared public, and is
], ids=["admin-listing", "admin-settings", "admin-status", "catalogue"])
def test_administrative_reads_declared_public_are_read_for_what_they_show(tmp_path: Path, path: str, answer: Any,
                                                                          reported: bool) -> None:
    """An operation the description declares public (``security: []``) is not asked for a login, except an
    administrative read: whether its anonymous answer lists records or settings secrets decides, as for an unmarked
    one, and the finding says what the description declared."""
    def app(method: str, route: str, headers: dict[str, str], body: bytes) -> Answer:
        return (200, {}, answer) if route.split("?")[0] == path else (404, {}, {"detail": "not found"})

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, {path: {"get": {"security": [], "responses": OK}}}, ("authn",))
    found = [f for f in result.findings if f.rule_id == "PR-AUTH-001" and f.http_path == path]
    assert bool(found) == reported
    assert all("declares it public" in f.message for f in found)
