"""Red-team regressions for apishield.auth: hostile inputs that once crashed or slipped past a check."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apishield.auth.jwt import JWTAuth
from apishield.auth.lockout import LOGIN_FAILED, LOGIN_THROTTLED, LoginService, LoginThrottle
from apishield.auth.passwords import Passwords
from apishield.errors import TokenError
from apishield.ratelimit.penalties import PenaltyBox
from apishield.stores.base import Store

from .conftest import FakeClock

SECRET = b"r" * 32
CHEAP = {"time_cost": 1, "memory_cost": 64, "parallelism": 1}


@pytest.mark.parametrize("token", ["\ud800", "a.b.\udcff", "é.é.é", "\x00.\x00.\x00", "eyJ\u2028.x.y"])
def test_jwt_verify_refuses_non_ascii_tokens_with_token_error(token: str) -> None:
    # a lone surrogate used to escape as UnicodeEncodeError (hashing the token for the cache)
    with pytest.raises(TokenError):
        JWTAuth(key=SECRET).verify(token)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_jwt_verify_any_text_only_raises_token_error(token: str) -> None:
    with pytest.raises(TokenError):
        JWTAuth(key=SECRET).verify(token)


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords(**CHEAP)  # type: ignore[arg-type]


@pytest.mark.parametrize("username", [None, 123, ["alice"], {"a": 1}, "\ud800", "x" * 5000])
def test_login_with_hostile_user_names_fails_cleanly(passwords: Passwords, store: Store, clock: FakeClock,
                                                     username: Any) -> None:
    # JSON login bodies can carry any type; the throttle used to crash before the type check
    service = LoginService(passwords, LoginThrottle(store, clock=clock), lambda name: None)
    outcome = service.login(username, "whatever password", "198.51.100.7")
    assert (outcome.ok, outcome.message, outcome.status) == (False, LOGIN_FAILED, 401)


def test_login_throttle_per_ip_groups_an_ipv6_slash64(passwords: Passwords, store: Store, clock: FakeClock) -> None:
    # one client owns a whole /64: rotating the interface id must not reset the per-IP counter
    service = LoginService(passwords, LoginThrottle(store, ip_max_attempts=3, max_attempts=100, clock=clock),
                           lambda name: None)
    for i in range(4):
        service.login(f"user{i}", "nope", f"2001:db8:1:2::{i + 1:x}")
    blocked = service.login("user-new", "nope", "2001:db8:1:2:dead:beef:0:1")
    assert (blocked.message, blocked.status) == (LOGIN_THROTTLED, 429)
    other_net = service.login("user-new", "nope", "2001:db8:1:3::1")
    assert other_net.message == LOGIN_FAILED


def test_login_throttle_ipv4_mapped_and_plain_ipv4_share_a_counter(passwords: Passwords, store: Store,
                                                                    clock: FakeClock) -> None:
    service = LoginService(passwords, LoginThrottle(store, ip_max_attempts=2, max_attempts=100, clock=clock),
                           lambda name: None)
    for ip in ("203.0.113.5", "::ffff:203.0.113.5", "::ffff:cb00:7105"):
        service.login("someone", "nope", ip)
    assert service.login("other", "nope", "203.0.113.5").status == 429


def test_penalty_box_bans_a_whole_ipv6_slash64(store: Store) -> None:
    box = PenaltyBox(store, violations=3)
    for i in range(3):
        box.record_violation(f"2001:db8:aa:bb::{i + 10:x}")
    assert box.banned_for("2001:db8:aa:bb:1234:5678:9abc:def0") is not None
    assert box.banned_for("2001:db8:aa:bc::1") is None
    box.unban("2001:db8:aa:bb::ffff")
    assert box.banned_for("2001:db8:aa:bb::10") is None


def test_penalty_box_ipv4_mapped_is_the_same_client(store: Store) -> None:
    box = PenaltyBox(store, violations=2)
    box.record_violation("192.0.2.1")
    box.record_violation("::ffff:192.0.2.1")
    assert box.banned_for("192.0.2.1") is not None
    assert box.banned_for("ip:192.0.2.1") is None  # non-address keys are kept verbatim


def _hs256(claims: dict[str, Any], key: bytes = SECRET) -> str:
    from ._jwt_helpers import hmac_sign, segment

    signing_input = f"{segment({'alg': 'HS256', 'typ': 'JWT'})}.{segment(claims)}"
    return f"{signing_input}.{hmac_sign(signing_input, key)}"


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", [10**400, -(10**400), 10**20, 1e300])
def test_jwt_absurd_numeric_dates_are_token_errors(clock: FakeClock, claim: str, value: Any) -> None:
    # exp 10**400 used to escape as OverflowError from float(); exp 1e300 meant "never expires"
    now = int(clock())
    claims: dict[str, Any] = {"sub": "u", "iat": now, "exp": now + 60, "nbf": now}
    claims[claim] = value
    with pytest.raises(TokenError):
        JWTAuth(key=SECRET, clock=clock).verify(_hs256(claims))


def test_jwt_sane_numeric_dates_still_verify(clock: FakeClock) -> None:
    now = int(clock())
    token = _hs256({"sub": "u", "iat": now - 0.5, "exp": now + 60.25, "nbf": now})
    assert JWTAuth(key=SECRET, clock=clock).verify(token).subject == "u"


def test_jwt_revocation_with_a_surrogate_jti(store: Store, clock: FakeClock) -> None:
    now = int(clock())
    token = _hs256({"sub": "u", "iat": now, "exp": now + 60, "jti": "\ud800x"})
    auth = JWTAuth(key=SECRET, clock=clock, store=store)
    auth.revoke(token)
    with pytest.raises(TokenError):
        auth.verify(token)


class _RaceStore:
    """Delegates to a store; when the first write of a "used" marker happens, ``during`` runs first. That
    replays a second request with the same refresh token arriving in the middle of the first rotation."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.during: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def set(self, key: str, value: str, ttl: float | None = None) -> None:
        hook, self.during = (self.during, None) if ":used:" in key else (None, self.during)
        if hook is not None:
            hook()
        self.inner.set(key, value, ttl)


def test_refresh_reuse_detected_even_when_two_uses_race(store: Store, clock: FakeClock) -> None:
    from apishield.auth.refresh import RefreshTokens
    from apishield.errors import TokenRevoked

    race = _RaceStore(store)
    tokens = RefreshTokens(race, clock=clock)  # type: ignore[arg-type]
    first = tokens.issue("alice")
    outcomes: list[Any] = []

    def second_use() -> None:
        try:
            outcomes.append(tokens.rotate(first.token))
        except TokenError as exc:
            outcomes.append(exc)

    race.during = second_use
    try:
        outcomes.append(tokens.rotate(first.token))
    except TokenError as exc:
        outcomes.append(exc)
    assert len(outcomes) == 2
    assert any(isinstance(o, TokenRevoked) for o in outcomes)  # the reuse was recognised as theft
    for grant in outcomes:  # and whatever was minted belongs to a revoked family
        if not isinstance(grant, Exception):
            with pytest.raises(TokenRevoked):
                tokens.rotate(grant.token)


def _form(server: Any, path: str, params: dict[str, str], auth: tuple[str, str]) -> tuple[int, dict[str, Any]]:
    import base64
    import json

    from apishield.auth.oauth2 import OAuthRequest

    basic = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    request = OAuthRequest("POST", f"http://127.0.0.1:1{path}", {"authorization": f"Basic {basic}"},
                           {k: [v] for k, v in params.items()})
    response = server.handle(request)
    return response.status, json.loads(response.body or b"{}")


def test_oauth2_reused_code_revokes_the_tokens_it_issued(store: Store, clock: FakeClock) -> None:
    # RFC 6749 §4.1.2 / OAuth 2.0 Security BCP: a second use of a code means it leaked, so the tokens
    # already issued from it are revoked
    import hashlib
    from urllib.parse import parse_qs, urlencode, urlsplit

    from apishield.auth.oauth2 import OAuth2Server, OAuthRequest
    from apishield.auth.principal import Principal

    server = OAuth2Server(store, "http://127.0.0.1:1", scopes=["a"], clock=clock)
    client, secret = server.data.register_client("web", ["http://127.0.0.1:1/cb"], ["a"])
    assert secret is not None
    verifier = "v" * 64
    from ._jwt_helpers import b64

    challenge = b64(hashlib.sha256(verifier.encode()).digest())
    query = urlencode({"response_type": "code", "client_id": client.client_id, "redirect_uri": "http://127.0.0.1:1/cb",
                       "scope": "a", "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"})
    response = server.handle(OAuthRequest("GET", f"http://127.0.0.1:1/oauth/authorize?{query}"), user="alice")
    assert response is not None and response.status == 302
    location = dict(response.headers)["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:1/cb",
                "code_verifier": verifier}
    status, tokens = _form(server, "/oauth/token", exchange, (client.client_id, secret))
    assert status == 200
    assert isinstance(server.principal_for(tokens["access_token"]), Principal)
    status, again = _form(server, "/oauth/token", exchange, (client.client_id, secret))
    assert status == 400 and again["error"] == "invalid_grant"
    with pytest.raises(TokenError):
        server.principal_for(tokens["access_token"])
    status, refreshed = _form(server, "/oauth/token", {"grant_type": "refresh_token",
                                                      "refresh_token": tokens["refresh_token"]},
                              (client.client_id, secret))
    assert status == 400 and refreshed["error"] == "invalid_grant"


@pytest.mark.parametrize("value", ["\ud800", "ok\udfff", "\x00" * 10])
def test_opaque_token_lookups_survive_lone_surrogates(store: Store, clock: FakeClock, value: str) -> None:
    # json.loads('"\\ud800"') yields a lone surrogate, so JSON bodies can carry them to these APIs
    from apishield.auth.oauth2 import OAuth2Server
    from apishield.auth.refresh import RefreshTokens

    tokens = RefreshTokens(store, clock=clock)
    with pytest.raises(TokenError):
        tokens.rotate(value)
    tokens.revoke(value)  # RFC 7009: unknown tokens are ignored
    server = OAuth2Server(store, "http://127.0.0.1:1", clock=clock)
    with pytest.raises(TokenError):
        server.principal_for(value)
    assert server.data.find_refresh(value) is None


def test_jwt_kid_shared_by_two_different_keys_is_a_config_error() -> None:
    # the later key silently replaced the earlier one under the same kid: tokens of the other key failed
    # at random, and which key a kid meant depended on argument order
    from apishield.auth.jwt import SigningKey
    from apishield.errors import ConfigError

    from ._jwt_helpers import RSA_PRIVATE_PEM

    hmac_key = SigningKey.create(b"h" * 32, "HS256", kid="main")
    with pytest.raises(ConfigError):
        JWTAuth(key=RSA_PRIVATE_PEM, algorithm="RS256", kid="main", previous_keys=[hmac_key])
    with pytest.raises(ConfigError):
        JWTAuth(key=b"z" * 32, kid="main", previous_keys=[hmac_key])
    other = SigningKey.create(b"o" * 32, "HS256", kid="main")
    with pytest.raises(ConfigError):
        JWTAuth(key=b"q" * 32, kid="new", previous_keys=[hmac_key, other])
    same = SigningKey.create(b"h" * 32, "HS256", kid="main")
    assert JWTAuth(key=same, previous_keys=[hmac_key]).verify(JWTAuth(key=hmac_key).issue("u")).subject == "u"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
_CLAIM_NAMES = st.sampled_from(["sub", "exp", "iat", "nbf", "iss", "aud", "jti", "scope", "scp", "scopes", "roles"])


@settings(max_examples=120, deadline=None)
@given(st.dictionaries(_CLAIM_NAMES, _JSON, max_size=8), st.booleans())
def test_fuzz_validly_signed_claims_give_a_principal_or_token_error(claims: dict[str, Any], base: bool) -> None:
    # the signature is right, so every claim reaches validation: only TokenError may come out
    now = 1_900_000_000
    full: dict[str, Any] = {"sub": "u", "iat": now, "exp": now + 60} if base else {}
    full.update(claims)
    auth = JWTAuth(key=SECRET, issuer="https://issuer.test", audience=["api", "other"], clock=lambda: float(now))
    try:
        principal = auth.verify(_hs256(full))
    except TokenError:
        return
    assert isinstance(principal.subject, str) and principal.subject
    assert all(isinstance(s, str) and " " not in s for s in principal.scopes)
