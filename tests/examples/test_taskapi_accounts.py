"""The Task API's account lifecycle against an attacker: identities, lockout, revocation, proxies, hostile input.

In-process (Flask test client, fake clock); the same attacks over HTTP against gunicorn are in
``test_taskapi_attacks_served.py``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apishield.errors import StoreError
from apishield.stores import MemoryStore
from tests.examples.conftest import FAST_ARGON2, PASSWORD, TaskAPI

PROBLEM = "application/problem+json"
AUTH = "/api/v1/auth"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def raw_post(api: TaskAPI, path: str, body: bytes | str, **kw: Any) -> Any:
    return api.client.post(path, data=body, content_type="application/json", **kw)


# --- hostile input never becomes a 500 (row 6) ---------------------------------------------------------
def test_deeply_nested_json_is_a_400(sqlite_api: TaskAPI) -> None:
    for path in (f"{AUTH}/login", f"{AUTH}/register", f"{AUTH}/refresh", f"{AUTH}/verify"):
        r = raw_post(sqlite_api, path, "[" * 20_000)
        assert r.status_code == 400 and r.content_type == PROBLEM, path


def test_a_lone_surrogate_password_is_refused_cleanly(sqlite_api: TaskAPI) -> None:
    user, _ = sqlite_api.account()
    body = json.dumps({"username": user["username"], "password": "ab\ud800cd-long-enough"})  # JSON escape
    assert raw_post(sqlite_api, f"{AUTH}/login", body).status_code == 401
    body = json.dumps({"username": "zed" + secrets.token_hex(2), "email": "z@example.test",
                       "password": "\udfff violet tractor"})
    r = raw_post(sqlite_api, f"{AUTH}/register", body)
    assert r.status_code == 422 and r.content_type == PROBLEM


def test_huge_ids_in_the_path_are_404_not_an_overflow(sqlite_api: TaskAPI) -> None:
    _, auth = sqlite_api.account()
    for tail in ("99999999999999999999999", str(2**31), str(2**63)):
        r = sqlite_api.client.get(f"/api/v1/tasks/{tail}", headers=auth)
        assert r.status_code == 404 and r.content_type == PROBLEM, tail


hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\ud800", "a\udcffb", "\x00", "alice\x00", "alice\n", "x" * 10_000, "\u202eadmin", ""]),
)
hostile_values = st.recursive(
    st.none() | st.booleans() | st.integers() | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3), max_leaves=8)
ENTRY_POINTS = (
    (f"{AUTH}/register", ("username", "email", "password")),
    (f"{AUTH}/login", ("username", "password")),
    (f"{AUTH}/refresh", ("refresh_token",)),
    (f"{AUTH}/verify", ("token",)),
    (f"{AUTH}/logout", ("refresh_token",)),
    (f"{AUTH}/password", ("current_password", "new_password")),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(hostile_values, min_size=3, max_size=3), depth=st.integers(0, 3000))
def test_every_auth_entry_point_answers_hostile_input_with_4xx(sqlite_api: TaskAPI, values: list[Any],
                                                               depth: int) -> None:
    auth = getattr(sqlite_api, "_auth", None)
    if auth is None:
        _, auth = sqlite_api.account()
        sqlite_api._auth = auth  # type: ignore[attr-defined]
    for path, fields in ENTRY_POINTS:
        body = json.dumps(dict(zip(fields, values, strict=False)))  # lone surrogates survive as \\udxxx escapes
        for payload in (body, "[" * depth + "]" * depth):
            r = raw_post(sqlite_api, path, payload, headers=auth)
            assert 400 <= r.status_code < 500 or r.status_code in (200, 201, 204), (path, r.status_code)
            assert r.status_code < 500


# --- canonical identities, non-enumerating registration (rows 1 and 9) --------------------------------
def test_names_and_addresses_are_unique_in_canonical_form(sqlite_api: TaskAPI) -> None:
    c = sqlite_api.client
    base = "alice" + secrets.token_hex(3)
    first = sqlite_api.verify(sqlite_api.register_as(base, f"{base}@example.test"))
    for name, email in ((base.upper(), f"x{base}@example.test"), (base.replace("l", "1"), f"y{base}@example.test"),
                        (f"n{base}", f"{base.upper()}@EXAMPLE.test")):
        before = sum(1 for m in sqlite_api.mails(email.lower()) if m.get("token"))
        r = c.post(f"{AUTH}/register", json={"username": name, "email": email, "password": PASSWORD})
        assert r.status_code == 201 and r.json["status"] == "pending"  # the same answer as a real sign-up
        after = sum(1 for m in sqlite_api.mails(email.lower()) if m.get("token"))
        assert after == before, name  # but no account: no verification mail
    login = c.post(f"{AUTH}/login", json={"username": base.upper(), "password": PASSWORD})
    assert login.status_code == 200  # the canonical name logs in to the one account
    assert c.get(f"{AUTH}/me", headers=bearer(login.json["access_token"])).json["id"] == first["id"]


@pytest.mark.parametrize(("username", "email"), [
    ("alice\n", "a@example.test"), ("bob", "bob@example.com\n"), ("al ice", "a@example.test"),
    ("al\u200bice", "a@example.test"), ("ok-name", "not-an-address"),
])
def test_names_and_addresses_with_controls_or_bad_shape_are_422(sqlite_api: TaskAPI, username: str,
                                                                 email: str) -> None:
    r = sqlite_api.client.post(f"{AUTH}/register", json={"username": username, "email": email, "password": PASSWORD})
    assert r.status_code == 422 and r.content_type == PROBLEM


def test_registration_answers_the_same_whether_taken_or_not(sqlite_api: TaskAPI) -> None:
    c = sqlite_api.client
    taken = sqlite_api.verify(sqlite_api.register())
    fresh = "new" + secrets.token_hex(3)
    answers = [c.post(f"{AUTH}/register", json=body) for body in (
        {"username": taken["username"], "email": f"{fresh}@example.test", "password": PASSWORD},
        {"username": fresh, "email": taken["email"], "password": PASSWORD},
        {"username": fresh + "x", "email": f"{fresh}x@example.test", "password": PASSWORD},
    )]
    assert {a.status_code for a in answers} == {201}
    assert answers[0].get_data() == answers[1].get_data() == answers[2].get_data()
    assert [m["subject"] for m in sqlite_api.mails(taken["email"])][-1].startswith("Someone tried to register")
    assert "not available" in sqlite_api.mails(f"{fresh}@example.test")[-1]["subject"]


def test_unverified_registrations_expire_and_free_their_name_and_address(sqlite_api: TaskAPI) -> None:
    c = sqlite_api.client
    squatter = sqlite_api.register("victim")
    sqlite_api.clock.advance(86_400 + 1)
    r = c.post(f"{AUTH}/register", json={"username": squatter["username"], "email": squatter["email"],
                                         "password": "another long passphrase"})
    assert r.status_code == 201
    tokens = [m for m in sqlite_api.mails(squatter["email"]) if m.get("token")]
    assert len(tokens) == 2  # a second, real verification mail: the stale sign-up was removed
    assert c.post(f"{AUTH}/verify", json={"token": tokens[0]["token"]}).status_code == 400
    assert c.post(f"{AUTH}/verify", json={"token": tokens[1]["token"]}).status_code == 200


def test_no_name_makes_an_administrator_only_the_cli_does(api_factory: Callable[..., TaskAPI]) -> None:
    from taskapi import manage
    from taskapi.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="make-admin"):
        Settings.from_env({"TASKAPI_ENV": "demo", "TASKAPI_ADMIN_USERS": "root",
                           "TASKAPI_JWT_SECRET": "s" * 40})
    api = api_factory()
    user, auth = api.account("root")
    assert api.client.get(f"{AUTH}/me", headers=auth).json["role"] == "user"
    assert manage.main(["make-admin", "nobody-" + secrets.token_hex(2)], app=api.app) == 1
    unverified = api.register("late")
    assert manage.main(["make-admin", unverified["username"]], app=api.app) == 1
    assert manage.main(["make-admin", user["username"]], app=api.app) == 0
    api.clock.advance(1)
    assert api.client.get(f"{AUTH}/me", headers=auth).status_code == 401  # roles ride in tokens: log in again
    assert api.client.get(f"{AUTH}/me", headers=bearer(api.login(user)["access_token"])).json["role"] == "admin"


# --- lockout (rows 1-3) ------------------------------------------------------------------------------
def test_a_look_alike_account_cannot_reset_the_victims_lockout(sqlite_api: TaskAPI) -> None:
    victim, _ = sqlite_api.account("target")
    attacker = sqlite_api.app.test_client()
    checked = 0
    for round_ in range(4):
        for _ in range(5):
            r = attacker.post(f"{AUTH}/login", json={"username": victim["username"], "password": f"guess{round_}!!"})
            checked += r.status_code == 401
        # the old trick: register the capitalised name with the attacker's address, log in to it
        attacker.post(f"{AUTH}/register", json={"username": victim["username"].capitalize(),
                                                "email": f"evil{round_}@example.test", "password": PASSWORD})
        attacker.post(f"{AUTH}/login", json={"username": victim["username"].capitalize(), "password": PASSWORD})
    assert checked == 5  # one window's budget, not 20


def test_trusted_proxies_key_per_address_controls_on_the_real_client(api_factory: Callable[..., TaskAPI]) -> None:
    behind = api_factory(TASKAPI_TRUSTED_PROXIES="127.0.0.1/32")
    for i in range(12):  # one client behind the proxy exhausts its own login limit (10/minute) ...
        behind.client.post(f"{AUTH}/login", json={"username": f"n{i}", "password": "x" * 12},
                           headers={"X-Forwarded-For": "198.51.100.1"})
    other = behind.client.post(f"{AUTH}/login", json={"username": "n", "password": "x" * 12},
                               headers={"X-Forwarded-For": "198.51.100.2"})
    assert other.status_code == 401  # ... and nobody else is throttled
    spoofed = api_factory(TASKAPI_TRUSTED_PROXIES="10.0.0.0/8")  # the peer is not a trusted proxy here
    for i in range(12):
        spoofed.client.post(f"{AUTH}/login", json={"username": f"n{i}", "password": "x" * 12},
                            headers={"X-Forwarded-For": f"198.51.100.{i}"})
    assert spoofed.client.post(f"{AUTH}/login", json={"username": "n", "password": "x" * 12},
                               headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 429


# --- revocation (rows 5 and 8) -----------------------------------------------------------------------
def _admin(api: TaskAPI) -> tuple[dict[str, Any], dict[str, str]]:
    from taskapi import manage

    user = api.verify(api.register("admin"))
    assert manage.main(["make-admin", user["username"]], app=api.app) == 0
    api.clock.advance(1)
    tokens = api.login(user)
    user["tokens"] = tokens
    return user, bearer(tokens["access_token"])


def test_a_demoted_administrator_loses_admin_power_at_once(api_factory: Callable[..., TaskAPI]) -> None:
    api = api_factory()
    c = api.client
    first, first_auth = _admin(api)
    second, second_auth = _admin(api)
    r = c.put(f"/api/v1/admin/users/{second['id']}/role", json={"role": "user"}, headers=first_auth)
    assert r.status_code == 200 and r.json["role"] == "user"
    api.clock.advance(1)
    r = c.put(f"/api/v1/admin/users/{first['id']}/role", json={"role": "user"}, headers=second_auth)
    assert r.status_code == 401  # the old token carried the admin role: it is refused
    refreshed = c.post(f"{AUTH}/refresh", json={"refresh_token": second["tokens"]["refresh_token"]}).json
    assert "admin" not in refreshed["scope"]
    again = c.put(f"/api/v1/admin/users/{first['id']}/role", json={"role": "user"},
                  headers=bearer(refreshed["access_token"]))
    assert again.status_code == 403


def test_logout_and_refresh_reuse_revoke_the_sessions_access_tokens(sqlite_api: TaskAPI) -> None:
    c = sqlite_api.client
    user, first_auth = sqlite_api.account()
    rotated = c.post(f"{AUTH}/refresh", json={"refresh_token": user["tokens"]["refresh_token"]}).json
    other_session = sqlite_api.login(user)
    assert c.get(f"{AUTH}/me", headers=first_auth).status_code == 200
    r = c.post(f"{AUTH}/logout", json={"refresh_token": rotated["refresh_token"]},
               headers=bearer(rotated["access_token"]))
    assert r.status_code == 204
    assert c.get(f"{AUTH}/me", headers=first_auth).status_code == 401  # the session's earlier token too
    assert c.get(f"{AUTH}/me", headers=bearer(other_session["access_token"])).status_code == 200
    # a replayed refresh token revokes its family, and the family's access tokens with it
    nxt = c.post(f"{AUTH}/refresh", json={"refresh_token": other_session["refresh_token"]}).json
    assert c.post(f"{AUTH}/refresh", json={"refresh_token": other_session["refresh_token"]}).status_code == 401
    assert c.get(f"{AUTH}/me", headers=bearer(nxt["access_token"])).status_code == 401
    assert c.get(f"{AUTH}/me", headers=bearer(other_session["access_token"])).status_code == 401


def test_password_change_and_logout_everywhere_end_every_session(sqlite_api: TaskAPI) -> None:
    c = sqlite_api.client
    user, auth = sqlite_api.account()
    second = sqlite_api.login(user)
    sqlite_api.clock.advance(1)
    r = c.put(f"{AUTH}/password", json={"current_password": "wrong", "new_password": "a brand new passphrase"},
              headers=auth)
    assert r.status_code == 403
    r = c.put(f"{AUTH}/password", json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
              headers=auth)
    assert r.status_code == 204
    assert sqlite_api.mails(user["email"])[-1]["subject"] == "Your password was changed"
    for token in (auth, bearer(second["access_token"])):
        assert c.get(f"{AUTH}/me", headers=token).status_code == 401
    assert c.post(f"{AUTH}/refresh", json={"refresh_token": second["refresh_token"]}).status_code == 401
    sqlite_api.clock.advance(1)
    user["password"] = "a brand new passphrase"
    fresh = sqlite_api.login(user)
    sqlite_api.clock.advance(1)
    assert c.post(f"{AUTH}/logout-all", headers=bearer(fresh["access_token"])).status_code == 204
    assert c.get(f"{AUTH}/me", headers=bearer(fresh["access_token"])).status_code == 401


def _third_party_tokens(api: TaskAPI, auth: dict[str, str]) -> dict[str, Any]:
    """Tokens a third-party app holds for the user: an OAuth client, authorization code with PKCE."""
    import base64
    import hashlib
    from urllib.parse import parse_qs, urlparse

    c = api.client
    redirect = "http://127.0.0.1:8765/callback"
    client = c.post("/api/v1/oauth-clients", json={"name": "planner", "redirect_uri": redirect,
                                                   "scopes": ["tasks:read"]}, headers=auth).json
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    request = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": redirect,
               "scope": "tasks:read", "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"}
    code = parse_qs(urlparse(c.post("/oauth/authorize", json=request, headers=auth).json["redirect_to"]).query)["code"]
    form = {"grant_type": "authorization_code", "code": code[0], "client_id": client["client_id"],
            "redirect_uri": redirect, "code_verifier": verifier}
    tokens = c.post("/oauth/token", data=form).json
    assert c.get("/api/v1/tasks", headers=bearer(tokens["access_token"])).status_code == 200
    return {**tokens, "client_id": client["client_id"]}


@pytest.mark.parametrize("end", ["password change", "logout everywhere"])
def test_ending_every_session_also_ends_third_party_grants(sqlite_api: TaskAPI, end: str) -> None:
    c = sqlite_api.client
    _, auth = sqlite_api.account()
    app = _third_party_tokens(sqlite_api, auth)
    _, other_auth = sqlite_api.account()
    other_app = _third_party_tokens(sqlite_api, other_auth)
    sqlite_api.clock.advance(1)
    if end == "password change":
        r = c.put(f"{AUTH}/password", json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
                  headers=auth)
    else:
        r = c.post(f"{AUTH}/logout-all", headers=auth)
    assert r.status_code == 204
    assert c.get("/api/v1/tasks", headers=bearer(app["access_token"])).status_code == 401
    renewed = c.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": app["refresh_token"],
                                            "client_id": app["client_id"]})
    assert renewed.status_code == 400 and renewed.json["error"] == "invalid_grant"
    assert c.get("/api/v1/tasks", headers=bearer(other_app["access_token"])).status_code == 200  # others untouched


# --- credentials are never cached (row 7) ------------------------------------------------------------
def test_answers_carrying_credentials_are_no_store(sqlite_api: TaskAPI) -> None:
    c = sqlite_api.client
    user, auth = sqlite_api.account()
    login = c.post(f"{AUTH}/login", json={"username": user["username"], "password": PASSWORD})
    refresh = c.post(f"{AUTH}/refresh", json={"refresh_token": login.json["refresh_token"]})
    key = c.post("/api/v1/keys", json={"name": "ci", "scopes": ["tasks:read"]}, headers=auth)
    for answer in (login, refresh, key):
        assert answer.headers["Cache-Control"] == "no-store" and answer.headers["Pragma"] == "no-cache"


# --- the store fails: 503, never 500 -----------------------------------------------------------------
class _Switchable(MemoryStore):
    down = False

    def __getattribute__(self, name: str) -> Any:
        attr = super().__getattribute__(name)
        if name in ("get", "set", "incr", "hit", "pop", "members", "add_member", "set_if_absent", "ttl", "delete",
                    "is_member", "add_counters") and MemoryStore.__getattribute__(self, "down"):
            def broken(*args: Any, **kwargs: Any) -> Any:
                raise StoreError("connection refused")
            return broken
        return attr


def test_a_store_outage_answers_503_with_retry_after(tmp_path: Any) -> None:
    from taskapi.app import create_app
    from taskapi.settings import Settings

    outbox = tmp_path / "out.jsonl"
    environ = {"TASKAPI_ENV": "demo", "TASKAPI_JWT_SECRET": secrets.token_urlsafe(40), "TASKAPI_OUTBOX": str(outbox),
               "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    store = _Switchable()
    app = create_app(Settings.from_env(environ, data_dir=tmp_path), store=store, passwords=FAST_ARGON2)
    api = TaskAPI(app=app, client=app.test_client(), clock=None, outbox=outbox)  # type: ignore[arg-type]
    user, auth = api.account()
    pending = api.register()
    store.down = True
    answers = [
        api.client.post(f"{AUTH}/login", json={"username": user["username"], "password": PASSWORD}),
        api.client.post(f"{AUTH}/refresh", json={"refresh_token": user["tokens"]["refresh_token"]}),
        api.client.get(f"{AUTH}/me", headers=auth),
        api.client.post(f"{AUTH}/verify", json={"token": api.mail_token(pending["email"])}),
    ]
    for r in answers:
        assert r.status_code == 503 and r.content_type == PROBLEM, r.status_code
    assert all(int(r.headers["Retry-After"]) >= 1 for r in answers[:2] + answers[3:])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(["grant_type", "code", "client_id", "redirect_uri", "code_verifier",
                                               "refresh_token", "scope"]), hostile_text, max_size=5),
       raw=st.sampled_from([b"", b"%ED%A0%80=1", b"grant_type=%FF%FE", b"a=" + b"%00" * 5000, b"&" * 10_000]))
def test_the_oauth_token_endpoint_answers_hostile_forms_with_4xx(sqlite_api: TaskAPI, fields: dict[str, str],
                                                                 raw: bytes) -> None:
    from urllib.parse import quote

    encoded = "&".join(f"{k}={quote(v, errors='surrogatepass')}" for k, v in fields.items()).encode()
    for body in (encoded, raw):
        r = sqlite_api.client.post("/oauth/token", data=body,
                                   content_type="application/x-www-form-urlencoded")
        assert 400 <= r.status_code < 500, (body[:80], r.status_code)


def test_a_verification_token_of_an_expired_sign_up_verifies_nothing_later(api_factory: Callable[..., TaskAPI]) -> None:
    api = api_factory(TASKAPI_UNVERIFIED_TTL="600")
    first = api.register("squat")
    stale = api.mail_token(first["email"])
    api.clock.advance(601)
    second = api.register("late")  # removes the stale sign-up; SQLite may give the new one the same id
    assert api.client.post(f"{AUTH}/verify", json={"token": stale}).status_code == 400
    assert api.client.post(f"{AUTH}/login", json={"username": second["username"],
                                                   "password": PASSWORD}).status_code == 403  # still unverified
    assert api.verify(second)["id"] >= 1


def test_schema_patterns_are_anchored_at_the_very_end(sqlite_api: TaskAPI) -> None:
    from taskapi.views.clients import AUTHORIZE

    from apishield.errors import Reject

    good = {"response_type": "code", "client_id": "c", "redirect_uri": "https://x.example/cb",
            "code_challenge": "a" * 43, "code_challenge_method": "S256"}
    assert AUTHORIZE.check(good)["code_challenge"] == "a" * 43
    with pytest.raises(Reject) as info:
        AUTHORIZE.check({**good, "code_challenge": "a" * 43 + "\n"})
    assert info.value.status == 422
