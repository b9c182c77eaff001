"""Functional tests of the Secure Task API, in-process, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlparse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.examples.conftest import FAST_ARGON2, PASSWORD, TaskAPI

PROBLEM = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_full_flow_register_verify_login_crud_refresh_logout(api: TaskAPI) -> None:
    c = api.client
    user = api.register("alice")
    # not verified yet: the right password is still refused, with a reason only the owner can see
    r = c.post("/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD})
    assert r.status_code == 403 and r.content_type == PROBLEM
    r = c.post("/api/v1/auth/verify", json={"token": api.mail_token(user["email"])})
    assert r.status_code == 200 and r.json["email_verified"] is True
    user["id"] = r.json["id"]
    tokens = api.login(user)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] > 0
    auth = bearer(tokens["access_token"])

    r = c.get("/api/v1/auth/me", headers=auth)
    assert r.status_code == 200 and r.json["username"] == user["username"] and "password_hash" not in r.json

    r = c.post("/api/v1/tasks", json={"title": "write tests", "priority": 2}, headers=auth)
    assert r.status_code == 201
    task = r.json
    assert r.headers["Location"] == f"/api/v1/tasks/{task['id']}"
    assert task["owner_id"] == user["id"] and task["status"] == "todo"
    assert c.get(f"/api/v1/tasks/{task['id']}", headers=auth).json["title"] == "write tests"
    r = c.patch(f"/api/v1/tasks/{task['id']}", json={"status": "done"}, headers=auth)
    assert r.status_code == 200 and r.json["status"] == "done" and r.json["title"] == "write tests"
    r = c.put(f"/api/v1/tasks/{task['id']}", json={"title": "replaced"}, headers=auth)
    assert r.status_code == 200 and r.json["title"] == "replaced"
    listing = c.get("/api/v1/tasks", headers=auth).json
    assert [t["id"] for t in listing["items"]] == [task["id"]] and listing["total"] == 1
    assert c.delete(f"/api/v1/tasks/{task['id']}", headers=auth).status_code == 204
    assert c.get(f"/api/v1/tasks/{task['id']}", headers=auth).status_code == 404

    # refresh rotates: the new pair works, the old refresh token is spent
    r = c.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 200
    rotated = r.json
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert c.get("/api/v1/auth/me", headers=bearer(rotated["access_token"])).status_code == 200

    # logout with a made-up refresh token revokes nothing; with the real one it ends the session
    r = c.post("/api/v1/auth/logout", json={"refresh_token": "made-up"}, headers=bearer(rotated["access_token"]))
    assert r.status_code == 400 and r.content_type == PROBLEM
    assert c.get("/api/v1/auth/me", headers=bearer(rotated["access_token"])).status_code == 200
    r = c.post("/api/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]},
               headers=bearer(rotated["access_token"]))
    assert r.status_code == 204
    assert c.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}).status_code == 401
    api.clock.advance(10)  # past the shield's short verified-token cache
    assert c.get("/api/v1/auth/me", headers=bearer(rotated["access_token"])).status_code == 401


def test_ownership_other_users_tasks_are_not_found(api: TaskAPI) -> None:
    c = api.client
    _, alice = api.account("alice")
    _, bob = api.account("bob")
    task = c.post("/api/v1/tasks", json={"title": "alice's"}, headers=alice).json
    url = f"/api/v1/tasks/{task['id']}"
    assert c.get(url, headers=bob).status_code == 404
    assert c.patch(url, json={"title": "mine now"}, headers=bob).status_code == 404
    assert c.put(url, json={"title": "mine now"}, headers=bob).status_code == 404
    assert c.delete(url, headers=bob).status_code == 404
    assert c.get("/api/v1/tasks", headers=bob).json["total"] == 0
    assert c.get(url, headers=alice).json["title"] == "alice's"


def test_admin_role(api_factory) -> None:  # type: ignore[no-untyped-def]
    from taskapi import manage

    api = api_factory()
    c = api.client
    user, user_auth = api.account("plain")
    assert c.get("/api/v1/auth/me", headers=user_auth).json["role"] == "user"
    r = c.get("/api/v1/admin/users", headers=user_auth)
    assert r.status_code == 403 and r.content_type == PROBLEM
    assert c.get("/api/v1/admin/tasks", headers=user_auth).status_code == 403
    r = c.put(f"/api/v1/admin/users/{user['id']}/role", json={"role": "admin"}, headers=user_auth)
    assert r.status_code == 403
    root = api.verify(api.register("root"))
    assert manage.main(["make-admin", root["username"]], app=api.app) == 0  # the only way to make an admin
    api.clock.advance(0.5)
    admin_auth = bearer(api.login(root)["access_token"])
    task = c.post("/api/v1/tasks", json={"title": "plain user's"}, headers=user_auth).json
    users = c.get("/api/v1/admin/users", headers=admin_auth)
    assert users.status_code == 200 and user["username"] in {u["username"] for u in users.json["items"]}
    assert task["id"] in {t["id"] for t in c.get("/api/v1/admin/tasks", headers=admin_auth).json["items"]}
    assert c.get(f"/api/v1/tasks/{task['id']}", headers=admin_auth).status_code == 200
    r = c.put(f"/api/v1/admin/users/{user['id']}/role", json={"role": "admin"}, headers=admin_auth)
    assert r.status_code == 200 and r.json["role"] == "admin"
    assert c.put("/api/v1/admin/users/999999/role", json={"role": "user"}, headers=admin_auth).status_code == 404
    me = c.get("/api/v1/auth/me", headers=admin_auth).json
    assert c.put(f"/api/v1/admin/users/{me['id']}/role", json={"role": "user"}, headers=admin_auth).status_code == 409


def test_pagination_is_capped(api: TaskAPI) -> None:
    c = api.client
    _, auth = api.account()
    for i in range(3):
        c.post("/api/v1/tasks", json={"title": f"t{i}"}, headers=auth)
    r = c.get("/api/v1/tasks?per_page=100000", headers=auth)
    assert r.status_code == 200 and r.json["per_page"] == 100 and r.json["total"] == 3
    page2 = c.get("/api/v1/tasks?per_page=2&page=2", headers=auth).json
    assert len(page2["items"]) == 1 and page2["pages"] == 2
    r = c.get("/api/v1/tasks?per_page=abc", headers=auth)
    assert r.status_code == 400 and r.content_type == PROBLEM


def test_mass_assignment_is_refused(api: TaskAPI) -> None:
    c = api.client
    r = c.post("/api/v1/auth/register", json={"username": "mallory1", "email": "m@example.test", "password": PASSWORD,
                                              "role": "admin"})
    assert r.status_code == 422 and r.content_type == PROBLEM
    _, auth = api.account()
    r = c.post("/api/v1/tasks", json={"title": "x", "owner_id": 1}, headers=auth)
    assert r.status_code == 422


def test_anonymous_and_bad_credentials_get_problem_json(sqlite_api: TaskAPI) -> None:
    c = sqlite_api.client
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic YTpi"},
                    {"X-API-Key": "tk_nope.nope"}):
        r = c.get("/api/v1/tasks", headers=headers)
        assert r.status_code == 401, headers
        assert r.content_type == PROBLEM and r.json["status"] == 401
        assert "WWW-Authenticate" in r.headers
    # alg:none and a forged signature are refused
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(b'{"sub":"1","scope":"tasks:read","aud":"taskapi","iss":"taskapi"}').rstrip(b"=")
    assert c.get("/api/v1/tasks", headers=bearer(f"{header}.{body.decode()}.")).status_code == 401
    r = c.get("/no/such/route")
    assert r.status_code in (401, 404) and r.content_type == PROBLEM


def test_login_does_not_reveal_which_usernames_exist_and_locks_out(sqlite_api: TaskAPI) -> None:
    owner = sqlite_api.client  # logged in once: it holds the device cookie
    user, _ = sqlite_api.account()
    attacker = sqlite_api.app.test_client()  # no cookies: an untrusted source
    unknown = attacker.post("/api/v1/auth/login", json={"username": "nobody-" + secrets.token_hex(3),
                                                        "password": "x" * 12})
    wrong = attacker.post("/api/v1/auth/login", json={"username": user["username"], "password": "x" * 12})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json == wrong.json
    for _ in range(4):  # five guesses per account per window (the first was above)
        r = attacker.post("/api/v1/auth/login", json={"username": user["username"], "password": "wrong" * 3})
        assert r.status_code == 401
    locked = attacker.post("/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    assert locked.content_type == PROBLEM
    # the owner, on the device that logged in before, is not locked out
    mine = owner.post("/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD})
    assert mine.status_code == 200
    sqlite_api.clock.advance(901)
    assert attacker.post("/api/v1/auth/login", json={"username": user["username"],
                                                     "password": PASSWORD}).status_code == 200


def test_refresh_token_reuse_revokes_the_family(sqlite_api: TaskAPI) -> None:
    c = sqlite_api.client
    user, _ = sqlite_api.account()
    first = user["tokens"]["refresh_token"]
    second = c.post("/api/v1/auth/refresh", json={"refresh_token": first}).json["refresh_token"]
    assert c.post("/api/v1/auth/refresh", json={"refresh_token": first}).status_code == 401  # replay
    assert c.post("/api/v1/auth/refresh", json={"refresh_token": second}).status_code == 401  # family revoked


def test_access_tokens_expire(sqlite_api: TaskAPI) -> None:
    _, auth = sqlite_api.account()
    assert sqlite_api.client.get("/api/v1/auth/me", headers=auth).status_code == 200
    sqlite_api.clock.advance(900 + 10)  # lifetime plus more than the 5 s leeway
    assert sqlite_api.client.get("/api/v1/auth/me", headers=auth).status_code == 401


def test_weak_passwords_are_refused(sqlite_api: TaskAPI) -> None:
    for password in ("short", "password123", "aaaaaaaaaaaaaaaa"):
        r = sqlite_api.client.post("/api/v1/auth/register", json={
            "username": "weak" + secrets.token_hex(3), "email": "w@example.test", "password": password})
        assert r.status_code == 422 and r.json["title"] == "Weak Password", password
    name = "carol" + secrets.token_hex(2)
    r = sqlite_api.client.post("/api/v1/auth/register", json={
        "username": name, "email": f"{name}@example.test", "password": f"my name is {name}!!"})
    assert r.status_code == 422


def test_api_keys_carry_only_their_scopes(sqlite_api: TaskAPI) -> None:
    c = sqlite_api.client
    _, auth = sqlite_api.account()
    c.post("/api/v1/tasks", json={"title": "visible to the key"}, headers=auth)
    r = c.post("/api/v1/keys", json={"name": "reporting", "scopes": ["tasks:read"]}, headers=auth)
    assert r.status_code == 201
    key = {"X-API-Key": r.json["key"]}
    assert c.get("/api/v1/tasks", headers=key).json["total"] == 1
    assert c.post("/api/v1/tasks", json={"title": "nope"}, headers=key).status_code == 403
    assert c.post("/api/v1/keys", json={"name": "x", "scopes": ["tasks:read"]}, headers=key).status_code == 403
    assert [k["name"] for k in c.get("/api/v1/keys", headers=auth).json["items"]] == ["reporting"]
    tampered = {"X-API-Key": r.json["key"][:-2] + "xx"}
    assert c.get("/api/v1/tasks", headers=tampered).status_code == 401
    assert c.delete(f"/api/v1/keys/{r.json['id']}", headers=auth).status_code == 204
    assert c.get("/api/v1/tasks", headers=key).status_code == 401


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def test_oauth_authorization_code_with_pkce(sqlite_api: TaskAPI) -> None:
    c = sqlite_api.client
    _, auth = sqlite_api.account()
    redirect = "http://127.0.0.1:8765/callback"
    client = c.post("/api/v1/oauth-clients", json={"name": "planner", "redirect_uri": redirect,
                                                   "scopes": ["tasks:read"]}, headers=auth).json
    for bad in ("https://", "https://app.example#frag", "javascript:alert(1)"):
        r = c.post("/api/v1/oauth-clients", json={"name": "x", "redirect_uri": bad, "scopes": ["tasks:read"]},
                   headers=auth)
        assert r.status_code == 422 and r.content_type == PROBLEM, bad
    verifier, challenge = _pkce()
    request = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": redirect,
               "scope": "tasks:read", "state": "xyz", "code_challenge": challenge, "code_challenge_method": "S256"}
    r = c.post("/oauth/authorize", json=request, headers=auth)
    assert r.status_code == 200
    location = urlparse(r.json["redirect_to"])
    query = parse_qs(location.query)
    assert location.netloc == "127.0.0.1:8765" and query["state"] == ["xyz"]
    code = query["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "client_id": client["client_id"],
            "redirect_uri": redirect, "code_verifier": "x" * 43}
    assert c.post("/oauth/token", data=form).json["error"] == "invalid_grant"  # wrong PKCE verifier
    r = c.post("/oauth/authorize", json=request, headers=auth)
    code = parse_qs(urlparse(r.json["redirect_to"]).query)["code"][0]
    r = c.post("/oauth/token", data={**form, "code": code, "code_verifier": verifier})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    token = r.json["access_token"]
    assert c.get("/api/v1/tasks", headers=bearer(token)).status_code == 200
    assert c.post("/api/v1/tasks", json={"title": "x"}, headers=bearer(token)).status_code == 403
    assert c.get("/api/v1/auth/me", headers=bearer(token)).status_code == 403  # no "account" scope
    # the third-party client refreshes (rotating); a replayed refresh token is refused
    refresh = {"grant_type": "refresh_token", "refresh_token": r.json["refresh_token"],
               "client_id": client["client_id"]}
    renewed = c.post("/oauth/token", data=refresh)
    assert renewed.status_code == 200 and renewed.json["refresh_token"] != refresh["refresh_token"]
    assert c.get("/api/v1/tasks", headers=bearer(renewed.json["access_token"])).status_code == 200
    assert c.post("/oauth/token", data=refresh).status_code == 400  # a replayed refresh token ...
    renewed_auth = bearer(renewed.json["access_token"])
    assert c.get("/api/v1/tasks", headers=renewed_auth).status_code == 401  # ... revokes the whole family
    replay = {**form, "code": code, "code_verifier": verifier}
    assert c.post("/oauth/token", data=replay).status_code == 400  # an authorization code works once
    # a scope the client was not registered for, a missing scope and a foreign redirect are refused
    r = c.post("/oauth/authorize", json={**request, "scope": "tasks:write"}, headers=auth)
    assert r.status_code == 400 and r.json == {"error": "invalid_scope"}
    assert c.post("/oauth/authorize", json={k: v for k, v in request.items() if k != "scope"},
                  headers=auth).status_code == 400
    assert c.post("/oauth/authorize", json={**request, "redirect_uri": "https://evil.example/cb"},
                  headers=auth).status_code == 400


def test_cors_per_environment(api_factory) -> None:  # type: ignore[no-untyped-def]
    api = api_factory(TASKAPI_CORS_ORIGINS="https://app.example.com")
    ok = api.client.get("/health", headers={"Origin": "https://app.example.com"})
    assert ok.headers.get("Access-Control-Allow-Origin") == "https://app.example.com"
    evil = api.client.get("/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in evil.headers


def test_health_openapi_and_security_headers(sqlite_api: TaskAPI) -> None:
    c = sqlite_api.client
    r = c.get("/health")
    assert r.status_code == 200 and r.json == {"status": "ok"}
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    doc = c.get("/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    public = sorted(p for p, ops in doc["paths"].items() for op in ops.values() if op["security"] == [])
    assert public == ["/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/register", "/api/v1/auth/verify",
                      "/health", "/oauth/token"]
    # every operation in the document is served (no 404/405 for the documented method)
    for path, ops in doc["paths"].items():
        concrete = path.replace("{task_id}", "1").replace("{user_id}", "1").replace("{key_id}", "k")
        for method in ops:
            assert c.open(concrete, method=method.upper()).status_code not in (404, 405), (method, path)


def test_settings_refuse_unsafe_configuration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from taskapi.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="TASKAPI_JWT_SECRET is not set"):
        Settings.from_env({"TASKAPI_ENV": "production"}, data_dir=tmp_path)
    with pytest.raises(SettingsError, match="too short"):
        Settings.from_env({"TASKAPI_JWT_SECRET": "short"}, data_dir=tmp_path)
    with pytest.raises(SettingsError, match="not allowed"):
        Settings.from_env({"TASKAPI_JWT_SECRET": "k" * 40, "TASKAPI_CORS_ORIGINS": "*"}, data_dir=tmp_path)
    dev = Settings.from_env({"TASKAPI_ENV": "development"}, data_dir=tmp_path)
    again = Settings.from_env({"TASKAPI_ENV": "development"}, data_dir=tmp_path)
    assert dev.jwt_secret == again.jwt_secret and len(dev.jwt_secret) >= 32
    assert (tmp_path / "jwt-secret").stat().st_mode & 0o077 == 0


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                         max_size=4), max_leaves=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(["username", "email", "password", "role", "x"]), json_values,
                            max_size=4))
def test_arbitrary_bodies_never_cause_a_server_error(sqlite_api: TaskAPI, body: dict) -> None:  # type: ignore[type-arg]
    for path in ("/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/verify"):
        r = sqlite_api.client.post(path, json=body)
        assert r.status_code < 500, (path, body, r.get_data(as_text=True))
        if r.status_code >= 400:
            assert r.content_type == PROBLEM


@pytest.mark.redis
def test_state_on_redis_is_shared_between_app_instances(tmp_path, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    """Two app instances (two workers) on one Redis store and one database: a refresh token used on one is
    spent on the other, and a lockout started on one holds on the other."""
    from taskapi.app import create_app
    from taskapi.settings import Settings

    from tests.examples.conftest import TaskAPI

    environ = {"TASKAPI_ENV": "demo", "TASKAPI_JWT_SECRET": secrets.token_urlsafe(40),
               "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "TASKAPI_OUTBOX": str(tmp_path / "out.jsonl"),
               "TASKAPI_STATE_URL": redis_url.rsplit("/", 1)[0] + "/2"}  # a database no other test uses
    first, second = (create_app(Settings.from_env(environ, data_dir=tmp_path), passwords=FAST_ARGON2)
                     for _ in range(2))
    one = TaskAPI(app=first, client=first.test_client(), clock=None, outbox=tmp_path / "out.jsonl")  # type: ignore[arg-type]
    two = second.test_client()
    user, auth = one.account("redis")
    refresh = user["tokens"]["refresh_token"]
    assert two.get("/api/v1/auth/me", headers=auth).status_code == 200
    assert one.client.post("/api/v1/auth/refresh", json={"refresh_token": refresh}).status_code == 200
    assert two.post("/api/v1/auth/refresh", json={"refresh_token": refresh}).status_code == 401
    stranger = first.test_client()  # no device cookie: the account lock applies to it
    for _ in range(6):  # five guesses per window; the lock then holds on every instance
        stranger.post("/api/v1/auth/login", json={"username": user["username"], "password": "wrong" * 3})
    r = two.post("/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD})
    assert r.status_code == 429


def test_production_mode_insists_on_https(api_factory) -> None:  # type: ignore[no-untyped-def]
    api = api_factory(TASKAPI_ENV="production", TASKAPI_CORS_ORIGINS="https://tasks.example.com")
    plain = api.client.get("/health")
    assert plain.status_code == 308 and plain.headers["Location"].startswith("https://")
    assert api.client.post("/api/v1/auth/login", json={"username": "a", "password": "b"}).status_code == 403
    secure = api.client.get("/health", base_url="https://localhost")
    assert secure.status_code == 200 and "max-age=" in secure.headers["Strict-Transport-Security"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(["title", "description", "status", "priority", "owner_id"]), json_values,
                            max_size=4))
def test_arbitrary_task_bodies_never_cause_a_server_error(sqlite_api: TaskAPI, body: dict) -> None:  # type: ignore[type-arg]
    auth = getattr(sqlite_api, "_auth", None)
    if auth is None:
        _, auth = sqlite_api.account()
        sqlite_api._auth = auth  # type: ignore[attr-defined]
    created = sqlite_api.client.post("/api/v1/tasks", json=body, headers=auth)
    assert created.status_code in (201, 422), created.get_data(as_text=True)
    if created.status_code == 201:
        patched = sqlite_api.client.patch(f"/api/v1/tasks/{created.json['id']}", json=body, headers=auth)
        assert patched.status_code in (200, 422)
    else:
        assert created.content_type == PROBLEM
