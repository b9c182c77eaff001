"""The first step of a password reset, asked anonymously for the probe's own account and for made-up ones: an answer
that carries the reset secret, or that differs for a registered address, must make the probe fire; a reset that
answers every address alike, with the secret sent elsewhere, must leave it quiet. The second step (token and new
password) is never asked."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import Answer, findings_at, loopback, probe_paths, unsigned_token

USERS = {"alice@example.com": 1, "bob@example.com": 2}
TOKENS = {unsigned_token({"sub": email.split("@")[0], "email": email, "user_id": uid}): email
          for email, uid in USERS.items()}


def _app(how: str, second_steps: list[bytes], tokens: dict[str, str] = TOKENS) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path == "/api/me" and method == "GET":
            email = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
            if email is None:
                return 401, {}, {"detail": "not authenticated"}
            return 200, {}, {"id": USERS[email], "username": email.split("@")[0], "email": email}
        if path == "/api/password/reset/confirm" and method == "POST":
            second_steps.append(body)
            return 400, {}, {"detail": "invalid token"}
        if path != "/api/password/forgot" or method != "POST":
            return 404, {}, {"detail": "not found"}
        try:
            email = json.loads(body or b"{}").get("email")
        except (ValueError, AttributeError):
            return 400, {}, {"detail": "invalid JSON"}
        known = email in USERS
        if how == "uniform":
            return 202, {}, {"detail": "If the address is registered, a link is on its way."}
        if how == "echo-uniform":  # names the address it was given, for every address alike
            return 202, {}, {"detail": f"If {email} is registered, a link is on its way."}
        if how == "token-for-anyone":  # a fresh random token for every address, registered or not
            return 200, {}, {"detail": "Reset link generated", "token": secrets.token_hex(16)}
        if not known:
            return 404, {}, {"detail": "No account with that e-mail"}
        answer = {"detail": "A link is on its way."}
        if how == "shows-secret":
            answer["reset_token"] = secrets.token_urlsafe(18)
        return 200, {}, answer
    return app


PATHS = {
    "/api/me": {"get": {"security": [{"bearer": []}], "responses": {"200": {"description": "the caller"}}}},
    "/api/password/forgot": {"post": {"security": [], "requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"email": {"type": "string", "format": "email"}}}}}},
        "responses": {"200": {"description": "a link is sent"}}}},
    "/api/password/reset/confirm": {"post": {"security": [], "requestBody": {"content": {"application/json": {
        "schema": {"type": "object", "properties": {"token": {"type": "string"}, "password": {"type": "string"}}}}}},
        "responses": {"200": {"description": "the password is set"}}}},
}


@pytest.mark.parametrize(("how", "shown", "enumerated"), [
    ("shows-secret", True, True), ("enumerates", False, True), ("uniform", False, False),
    ("echo-uniform", False, False),
    # the same answer but for a fresh random token: no account told apart (must stay quiet as enumeration)
    ("token-for-anyone", True, False)])
def test_what_a_reset_answers_for_a_registered_address(tmp_path: Path, how: str, shown: bool,
                                                       enumerated: bool) -> None:
    second_steps: list[bytes] = []
    auth = tuple(f"{email.split('@')[0]}=Authorization:Bearer {t}" for t, email in TOKENS.items())
    with loopback(_app(how, second_steps)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("resets",), auth=auth)
    found = findings_at(result)
    assert (("PR-RESET-001", "POST", "/api/password/forgot") in found) is shown
    assert (("PR-ENUM-001", "POST", "/api/password/forgot") in found) is enumerated
    assert second_steps == []


def test_an_address_learnt_from_the_identitys_own_record(tmp_path: Path) -> None:
    """Tokens that do not carry the e-mail: the identity's own record (``GET /api/me``) names it."""
    tokens = {unsigned_token({"sub": email.split("@")[0]}): email for email in USERS}
    auth = tuple(f"{email.split('@')[0]}=Authorization:Bearer {t}" for t, email in tokens.items())
    with loopback(_app("shows-secret", [], tokens)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("resets",), auth=auth)
    assert ("PR-RESET-001", "POST", "/api/password/forgot") in findings_at(result)


def _reset_app(records: dict[str, str], link_from_host: bool) -> Any:
    """A reset that answers its link (``reset_link``) for a registered address: built from the request's ``Host``
    header, or from the configured site address. ``records`` maps each token to the e-mail its account has now."""
    registered = set(records.values())

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path == "/api/me" and method == "GET":
            email = records.get(headers.get("Authorization", "").removeprefix("Bearer "))
            if email is None:
                return 401, {}, {"detail": "not authenticated"}
            return 200, {}, {"user": {"id": 7, "email": email}}
        if path != "/api/password/forgot" or method != "POST":
            return 404, {}, {"detail": "not found"}
        email = json.loads(body or b"{}").get("email")
        if email not in registered:
            return 404, {}, {"detail": "No account with that e-mail"}
        host = headers.get("Host") or headers.get("host") or "" if link_from_host else "app.example.org"
        return 200, {}, {"detail": "sent", "reset_link": f"http://{host}/reset?ticket=sent-by-mail"}
    return app


def test_the_address_is_read_from_the_own_record_as_it_is_now(tmp_path: Path) -> None:
    """The first identity's contact address was overwritten after its login (its token still names the old one):
    the probe asks with the address a record still shows, and the registered answer differs."""
    old = list(TOKENS)
    records = {old[0]: "' OR 1=1-- ", old[1]: "bob@example.com"}
    auth = tuple(f"{email.split('@')[0]}=Authorization:Bearer {t}" for t, email in TOKENS.items())
    with loopback(_reset_app(records, link_from_host=False)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("resets",), auth=auth)
    assert ("PR-ENUM-001", "POST", "/api/password/forgot") in findings_at(result)


@pytest.mark.parametrize("from_host", [True, False])
def test_a_reset_link_built_from_the_host_header(tmp_path: Path, from_host: bool) -> None:
    records = {t: email for t, email in TOKENS.items()}
    auth = tuple(f"{email.split('@')[0]}=Authorization:Bearer {t}" for t, email in TOKENS.items())
    with loopback(_reset_app(records, link_from_host=from_host)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("resets",), auth=auth)
    assert (("PR-HOST-001", "POST", "/api/password/forgot") in findings_at(result)) is from_host
