"""People listed in relation to the caller (``{"followers": [...]}``, ``{"friends": [...]}``) are those people, not
objects they own: another identity's own user record among the caller's followers names its user name because it is
that user, and is no cross-user read (their contact data is the personal-data check's concern). The same records
listed as the caller's accounts are read across users. A token carried in the URL (``?access_token=``) makes the
request its identity's: the identity's own key in the answer is not sensitive data shown to an anonymous caller; an
OpenID Connect userinfo answer names its owner by its subject (``sub``), so the caller's own key there is its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
TOKENS = {"tok-alice-0123456789abcdef": ("alice", 11), "tok-bob-0123456789abcdefgh": ("bob", 12)}
USERS = {11: {"id": 11, "username": "alice", "bio": "photos", "is_verified": True},
         12: {"id": 12, "username": "bob", "bio": "code", "is_verified": True}}
PATHS: dict[str, Any] = {"/api/accounts": {"get": {"security": BEARER, "responses": OK}},
                         "/api/me": {"get": {"security": BEARER, "responses": OK}},
                         "/oauth/userinfo": {"get": {"security": BEARER, "responses": OK}}}


def _app(key: str, userinfo_of: str = "self") -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(path)
        token = headers.get("Authorization", "").removeprefix("Bearer ") or parse_qs(parts.query).get(
            "access_token", [""])[0]
        who = TOKENS.get(token)
        if who is None:
            return 401, {}, {"detail": "not authenticated"}
        name, uid = who
        if parts.path == "/api/me":
            return 200, {}, {"username": name, "id": uid}
        if parts.path == "/oauth/userinfo":
            if userinfo_of == "other":  # a broken userinfo that answers another account
                name, uid = ("bob", 12) if uid == 11 else ("alice", 11)
            return 200, {}, {"sub": str(uid), "name": name, "api_key": f"ak_{name}_7f3d9a2b1c4e"}
        if parts.path == "/api/accounts":
            other = USERS[12 if uid == 11 else 11]
            return 200, {}, {key: [other]}
        return 404, {}, {"detail": "not found"}

    return app


@pytest.mark.parametrize(("key", "reported"), [("followers", False), ("friends", False), ("accounts", True)])
def test_people_listed_in_relation_to_the_caller_are_not_their_objects(tmp_path: Path, key: str,
                                                                       reported: bool) -> None:
    with loopback(_app(key)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("bola", "authn", "passive"), auth=tuple(
            f"{name}=Authorization:Bearer {token}" for token, (name, _uid) in TOKENS.items()))
    found = findings_at(result)
    assert (("PR-BOLA-001", "GET", "/api/accounts") in found) is reported
    assert not [f for f in result.findings if f.rule_id == "PR-AUTH-002" and "anonymous" in f.message]


def test_a_token_in_the_url_makes_the_answer_its_identitys(tmp_path: Path) -> None:
    paths = {"/oauth/userinfo": PATHS["/oauth/userinfo"]}
    with loopback(_app("followers")) as url:
        result = probe_paths(tmp_path, url, paths, ("authn", "passive"), auth=tuple(
            f"{name}=Authorization:Bearer {token}" for token, (name, _uid) in TOKENS.items()))
    found = findings_at(result)
    assert ("PR-AUTH-005", "GET", "/oauth/userinfo") in found  # the token was sent in the URL there
    assert not [f for f in result.findings if f.rule_id == "PR-AUTH-002" and "anonymous" in f.message]


@pytest.mark.parametrize(("userinfo_of", "reported"), [("self", False), ("other", True)])
def test_a_userinfo_answer_names_its_owner_by_its_subject(tmp_path: Path, userinfo_of: str, reported: bool) -> None:
    paths = {k: PATHS[k] for k in ("/api/me", "/oauth/userinfo")}
    with loopback(_app("followers", userinfo_of)) as url:
        result = probe_paths(tmp_path, url, paths, ("crawl", "passive"), auth=tuple(
            f"{name}=Authorization:Bearer {token}" for token, (name, _uid) in TOKENS.items()))
    assert (("PR-AUTH-002", "GET", "/oauth/userinfo") in findings_at(result)) is reported
