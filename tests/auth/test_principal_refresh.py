"""Authorization checks (401/403 with RFC 6750 challenges), refresh-token rotation, and parser fuzzing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from apishield.auth.jwt import JWTAuth, RemoteJWKS, SigningKey
from apishield.auth.principal import Principal, require
from apishield.auth.refresh import RefreshTokens
from apishield.errors import ApishieldError, ConfigError, Reject, TokenError, TokenExpired, TokenRevoked
from apishield.stores import from_url
from apishield.stores.base import Store

from .conftest import FakeClock

ALICE = Principal("alice", scopes=frozenset({"tasks:read", "tasks:write"}), roles=frozenset({"user"}))


def test_require_unauthenticated_is_401_with_challenge() -> None:
    with pytest.raises(Reject) as info:
        require(scopes=["tasks:read"], realm="tasks")(None)
    assert info.value.status == 401
    assert info.value.headers["WWW-Authenticate"] == 'Bearer realm="tasks"'


def test_require_all_and_any() -> None:
    assert require(scopes="tasks:read tasks:write")(ALICE) is ALICE
    assert require(scopes=["tasks:read", "admin"], mode="any")(ALICE) is ALICE
    assert require(roles=["admin", "user"], mode="any")(ALICE) is ALICE
    assert require()(ALICE) is ALICE
    with pytest.raises(Reject) as info:
        require(scopes=["tasks:read", "admin"])(ALICE)
    assert info.value.status == 403
    challenge = info.value.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="admin tasks:read"' in challenge
    with pytest.raises(Reject) as role_info:
        require(roles=["admin"])(ALICE)
    assert role_info.value.status == 403


def test_require_invalid_token_reject_and_config_errors() -> None:
    reject = require().invalid_token()
    assert reject.status == 401 and 'error="invalid_token"' in reject.headers["WWW-Authenticate"]
    with pytest.raises(ConfigError):
        require(scopes=['bad"scope'])
    with pytest.raises(ConfigError):
        require(mode="some")  # type: ignore[arg-type]


def test_refresh_rotation_and_reuse_revokes_family(any_store: Store, clock: FakeClock) -> None:
    tokens = RefreshTokens(any_store, ttl=3600, family_ttl=7200, clock=clock)
    first = tokens.issue("alice", ["tasks:read"])
    second = tokens.rotate(first.token)
    assert second.token != first.token and second.family == first.family and second.subject == "alice"
    third = tokens.rotate(second.token)
    with pytest.raises(TokenRevoked):
        tokens.rotate(first.token)  # reuse: theft signal
    with pytest.raises(TokenRevoked):
        tokens.rotate(third.token)  # the whole family is dead
    other = tokens.issue("bob")
    assert tokens.rotate(other.token).subject == "bob"  # other families unaffected
    with pytest.raises(TokenError):
        tokens.rotate("never-issued")


def test_refresh_expiry_and_family_cap(store: Store, clock: FakeClock) -> None:
    tokens = RefreshTokens(store, ttl=100, family_ttl=250, clock=clock)
    grant = tokens.issue("carol")
    for _ in range(2):
        clock.advance(90)
        grant = tokens.rotate(grant.token)
    assert grant.expires_at == pytest.approx(clock() + 70)  # capped by the family lifetime
    clock.advance(71)
    with pytest.raises(TokenError):
        tokens.rotate(grant.token)
    late = tokens.issue("dan")
    tokens.revoke(late.token)
    with pytest.raises(TokenRevoked):
        tokens.rotate(late.token)


def test_refresh_expired_record_raises_expired() -> None:
    clock = FakeClock(1_900_000_000.0)
    store = from_url("memory://")  # real clock: the record outlives the fake expiry
    tokens = RefreshTokens(store, ttl=100, clock=clock)
    grant = tokens.issue("erin")
    clock.advance(101)
    with pytest.raises(TokenExpired):
        tokens.rotate(grant.token)


_REFRESH = RefreshTokens(from_url("memory://"))


@given(st.one_of(st.none(), st.integers(), st.text(max_size=300), st.binary(max_size=40)))
def test_fuzz_refresh_parser(value: Any) -> None:
    try:
        _REFRESH.rotate(value)
    except ApishieldError:
        pass


@given(st.one_of(st.binary(max_size=300), st.text(max_size=300), st.integers(), st.none()),
       st.sampled_from(["HS256", "RS256", "ES256", "EdDSA", "PS512", "none", "HS1"]))
def test_fuzz_key_material_only_config_errors(material: Any, algorithm: str) -> None:
    try:
        SigningKey.create(material, algorithm)
    except ConfigError:
        pass


jwk_values = st.one_of(st.none(), st.text(max_size=20), st.integers(), st.lists(st.text(max_size=5), max_size=2))


@given(st.one_of(
    st.dictionaries(st.text(max_size=5), jwk_values, max_size=3),
    st.fixed_dictionaries({"keys": st.lists(st.dictionaries(
        st.sampled_from(["kty", "kid", "alg", "use", "n", "e", "crv", "x", "y", "k"]), jwk_values), max_size=3)}),
    st.lists(st.integers(), max_size=3),
))
def test_fuzz_remote_jwks_documents(document: Any) -> None:
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=document)))
    auth = JWTAuth(jwks=RemoteJWKS("https://idp.test/jwks", client=client))
    token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJzdWIiOiJ4In0.c2ln"
    with pytest.raises(TokenError):
        auth.verify(token)


def test_exported_names_resolve() -> None:
    import apishield.auth as auth

    for name in auth.__all__:
        assert getattr(auth, name) is not None, name
    with pytest.raises(AttributeError):
        auth.NotAThing
