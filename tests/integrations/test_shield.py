"""The framework-free pipeline: Shield.process on RequestViews, with a fake authenticator and a fake clock."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apishield.errors import ConfigError, TokenError
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.shield import PUBLIC, RouteSettings, RouteTable, Shield
from tests._clock import FakeClock


@dataclass(frozen=True)
class User:
    subject: str
    scopes: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()


@dataclass
class Tokens:
    """A fake bearer authenticator: token text -> user; 'bad' raises."""

    users: dict[str, User] = field(default_factory=dict)
    auth_method = "bearer"

    def authenticate(self, view: RequestView) -> User | None:
        header = view.headers.get("authorization")
        if not header:
            return None
        token = header.removeprefix("Bearer ")
        if token not in self.users:
            raise TokenError("unknown token")
        return self.users[token]


def view(method: str = "GET", path: str = "/x", scheme: str = "https", **headers: str) -> RequestView:
    hdrs = {"host": "api.example.com", **{k.replace("_", "-"): v for k, v in headers.items()}}
    return RequestView(method=method, path=path, headers=CaseInsensitiveHeaders(hdrs), client_ip="10.1.1.1",
                       scheme=scheme)


@pytest.fixture
def shield() -> Shield:
    tokens = Tokens({"r": User("ann", frozenset({"tasks:read"})), "n": User("bob"),
                     "admin": User("cy", frozenset({"tasks:read"}), frozenset({"admin"}))})
    return Shield(authenticators=[tokens], default_limits=["100/minute"], clock=FakeClock(1_000_000.0),
                  cors_origins=["https://app.example.com"])


def body(outcome: Any) -> dict[str, Any]:
    doc = json.loads(outcome.body)
    assert doc["status"] == outcome.status
    assert ("Content-Type", "application/problem+json") in outcome.headers
    return doc


def test_deny_by_default(shield: Shield) -> None:
    outcome = shield.process(view(), None)
    assert not outcome.allowed and outcome.status == 401
    body(outcome)
    assert dict(outcome.headers)["WWW-Authenticate"].startswith("Bearer")


def test_public_route_needs_no_principal(shield: Shield) -> None:
    outcome = shield.process(view(), PUBLIC)
    assert outcome.allowed and outcome.principal is None
    headers = dict(outcome.headers)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" in headers


def test_scopes_and_roles(shield: Shield) -> None:
    read = RouteSettings(scopes=("tasks:read",))
    ok = shield.process(view(authorization="Bearer r"), read)
    assert ok.allowed and ok.principal.subject == "ann"
    assert dict(ok.headers)["Cache-Control"] == "no-store"
    assert shield.process(view(authorization="Bearer n"), read).status == 403
    admin = RouteSettings(roles=("admin",))
    assert shield.process(view(authorization="Bearer r"), admin).status == 403
    assert shield.process(view(authorization="Bearer admin"), admin).allowed


def test_invalid_credentials_are_401_not_500(shield: Shield) -> None:
    outcome = shield.process(view(authorization="Bearer forged"), None)
    assert outcome.status == 401
    assert 'error="invalid_token"' in dict(outcome.headers)["WWW-Authenticate"]


def test_rate_limit_route_setting_and_headers(shield: Shield) -> None:
    limited = RouteSettings(public=True, limits=("2/minute",))
    first = shield.process(view(), limited)
    assert first.allowed
    assert any(k == "RateLimit" for k, _ in first.headers)
    assert shield.process(view(), limited).allowed
    denied = shield.process(view(), limited)
    assert denied.status == 429
    headers = dict(denied.headers)
    assert int(headers["Retry-After"]) >= 1
    assert "RateLimit" in headers and "RateLimit-Policy" in headers
    body(denied)
    # another client is counted separately
    other = RequestView(method="GET", path="/x", headers=CaseInsensitiveHeaders({}), client_ip="10.9.9.9",
                        scheme="https")
    assert shield.process(other, limited).allowed


def test_empty_limits_switch_limiting_off(shield: Shield) -> None:
    unlimited = RouteSettings(public=True, limits=())
    for _ in range(150):
        assert shield.process(view(), unlimited).allowed


def test_cors_preflight_allowed_and_refused(shield: Shield) -> None:
    ok = shield.process(view("OPTIONS", origin="https://app.example.com", access_control_request_method="POST"), None)
    assert ok.status == 204
    assert dict(ok.headers)["Access-Control-Allow-Origin"] == "https://app.example.com"
    bad = shield.process(view("OPTIONS", origin="https://evil.example", access_control_request_method="POST"), None)
    assert bad.status == 403
    assert "Access-Control-Allow-Origin" not in dict(bad.headers)


def test_plain_http_redirects_safe_requests_and_refuses_others(shield: Shield) -> None:
    get = shield.process(view(scheme="http"), PUBLIC)
    assert get.status == 308
    assert dict(get.headers)["Location"] == "https://api.example.com/x"
    post = shield.process(view("POST", scheme="http"), PUBLIC)
    assert post.status == 403
    assert "Strict-Transport-Security" not in dict(post.headers)


def test_redirect_never_uses_a_malformed_host(shield: Shield) -> None:
    evil = view(scheme="http", host="evil.example/@x")
    assert shield.process(evil, PUBLIC).status == 403


def test_forwarded_proto_only_from_trusted_proxies() -> None:
    shield = Shield(trusted_proxies=["127.0.0.1"], rate_limit={"enabled": False})
    headers = CaseInsensitiveHeaders({"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9", "host": "a"})
    trusted = shield.request_view("GET", "/", headers, peer="127.0.0.1", scheme="http")
    assert trusted.scheme == "https" and trusted.client_ip == "203.0.113.9"
    spoofed = shield.request_view("GET", "/", headers, peer="198.51.100.7", scheme="http")
    assert spoofed.scheme == "http" and spoofed.client_ip == "198.51.100.7"
    assert shield.process(spoofed, PUBLIC).status == 308


def test_development_mode_allows_plain_http_without_hsts() -> None:
    shield = Shield(mode="development", rate_limit={"enabled": False})
    outcome = shield.process(view(scheme="http"), PUBLIC)
    assert outcome.allowed
    assert "Strict-Transport-Security" not in dict(outcome.headers)


def test_config_routes_and_declared_settings_merge() -> None:
    shield = Shield(routes={"GET /health": {"public": True}, "/admin/*": {"roles": ["admin"]}},
                    rate_limit={"enabled": False})
    assert shield.settings_for("GET", "/health").is_public
    assert not shield.settings_for("POST", "/health").is_public
    merged = shield.settings_for("GET", "/admin/users", RouteSettings(scopes=("users:read",)))
    assert merged.roles == ("admin",) and merged.scopes == ("users:read",)
    assert shield.settings_for("GET", "/admin/users", merged.merged(None)) is shield.settings_for(
        "GET", "/admin/users", merged.merged(None))


def test_unknown_route_setting_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown route settings"):
        Shield(routes={"/x": {"publik": True}})


def test_bad_limit_is_refused_when_decorating(shield: Shield) -> None:
    with pytest.raises(ConfigError):
        shield.limit("lots/minute")


def test_dev_server_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="apishield"):
        Shield(rate_limit={"enabled": False}).note_server("gunicorn/23.0")
        assert not caplog.records
        Shield(rate_limit={"enabled": False}).note_server("Werkzeug/3.1.3 Python/3.11")
    assert any("development server" in r.getMessage() for r in caplog.records)


def test_with_the_server_warning_off_adapters_stop_asking(caplog: pytest.LogCaptureFixture) -> None:
    shield = Shield(rate_limit={"enabled": False}, warn_debug_server=False)
    with caplog.at_level(logging.WARNING, logger="apishield"):
        shield.note_server("Werkzeug/3.1.3 Python/3.11")
    assert shield.server_checked and not caplog.records


@given(st.text(alphabet=st.characters(blacklist_characters="/", blacklist_categories=("Cs",)), min_size=1,
               max_size=30))
def test_route_pattern_matches_exactly_one_segment(segment: str) -> None:
    table = RouteTable({"GET /tasks/{id}": RouteSettings(public=True), "/files/*": RouteSettings(roles=("x",))})
    assert table.lookup("GET", f"/tasks/{segment}") is not None
    assert table.lookup("GET", f"/tasks/{segment}/more") is None
    assert table.lookup("POST", f"/tasks/{segment}") is None
    assert table.lookup("DELETE", f"/files/{segment}/deep/{segment}") is not None


JWT_KEY = "unit-test-secret-" + "u" * 40


def test_repeated_invalid_tokens_ban_the_client_progressively() -> None:
    clock = FakeClock(1_000_000.0)
    shield = Shield(jwt_secret=JWT_KEY, penalties={"violations": 3, "ban_durations": [60]}, clock=clock,
                    rate_limit={"enabled": False})
    good = shield.issue_token("ann", ["tasks:read"], ttl=600)
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    statuses = [shield.process(view(authorization=f"Bearer {forged}"), None).status for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    banned = shield.process(view(authorization=f"Bearer {forged}"), None)
    assert banned.status == 429 and int(dict(banned.headers)["Retry-After"]) >= 1
    clock.now += 61
    assert shield.process(view(authorization=f"Bearer {good}"), None).allowed


def test_expired_tokens_do_not_count_as_attacks() -> None:
    clock = FakeClock(1_000_000.0)
    shield = Shield(jwt_secret=JWT_KEY, penalties={"violations": 2}, clock=clock, rate_limit={"enabled": False})
    stale = shield.issue_token("ann", ttl=60)
    clock.now += 3600
    for _ in range(5):
        assert shield.process(view(authorization=f"Bearer {stale}"), None).status == 401
    fresh = shield.issue_token("ann", ttl=60)
    assert shield.process(view(authorization=f"Bearer {fresh}"), None).allowed


def test_api_keys_from_a_pepper_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APISHIELD_T_PEPPER", "p" * 48)
    shield = Shield(
        api_key_pepper_env="APISHIELD_T_PEPPER", rate_limit={"enabled": False}, clock=FakeClock(1_000_000.0)
    )
    created = shield.api_keys.create("ci", "team-a", scopes=["tasks:read"])
    read = RouteSettings(scopes=("tasks:read",))
    ok = shield.process(view(x_api_key=created.key), read)
    assert ok.allowed and "tasks:read" in ok.principal.scopes
    assert shield.process(view(x_api_key=created.key[:-3] + "zzz"), read).status == 401
    assert shield.process(view(x_api_key=created.key), RouteSettings(scopes=("admin",))).status == 403


def test_jwt_revocation_mode_checks_every_request() -> None:
    shield = Shield(jwt_secret=JWT_KEY, auth={"jwt_revocation": True}, rate_limit={"enabled": False})
    assert shield.jwt is not None and shield.jwt.store is shield.store
    token = shield.issue_token("ann", ttl=60)
    assert shield.process(view(authorization=f"Bearer {token}"), None).allowed
    shield.jwt.revoke(token)
    assert shield.process(view(authorization=f"Bearer {token}"), None).status == 401


def test_require_accepts_positional_and_keyword_scopes(shield: Shield) -> None:
    def view_fn() -> None: ...

    shield.require("a", scopes=["b"], roles=["r"])(view_fn)
    from apishield.shield import settings_of

    settings = settings_of(view_fn)
    assert settings is not None and settings.scopes == ("a", "b") and settings.roles == ("r",)
    with pytest.raises(ConfigError, match="unknown arguments"):
        shield.require(scope="a")


@given(st.text(max_size=40))
def test_https_redirect_location_is_always_a_safe_header(path_tail: str) -> None:
    shield = Shield(rate_limit={"enabled": False})
    outcome = shield.process(view(scheme="http", path="/" + path_tail), PUBLIC)
    assert outcome.status == 308
    location = dict(outcome.headers)["Location"]
    assert location.startswith("https://api.example.com/")
    assert all(0x21 <= ord(c) <= 0x7E for c in location)
