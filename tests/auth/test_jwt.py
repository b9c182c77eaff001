"""JWTAuth: issuing, verifying, configuration refusals, rotation, revocation, the cache, remote JWKS."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given
from hypothesis import strategies as st
from joserfc.jwk import RSAKey

from apishield.auth.jwt import JWTAuth, RemoteJWKS, SigningKey
from apishield.auth.principal import Principal
from apishield.errors import ApishieldError, ConfigError, TokenError, TokenExpired, TokenRevoked
from apishield.stores.base import Store

from ._jwt_helpers import AUDIENCE, ISSUER, RSA_PRIVATE_PEM, RSA_PUBLIC_PEM, SECRET
from .conftest import FakeClock


def _pem(private: Any) -> bytes:
    return bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )


EC_PRIVATE = ec.generate_private_key(ec.SECP256R1())
ED_PRIVATE = ed25519.Ed25519PrivateKey.generate()


def test_contract_issue_verify_roundtrip() -> None:
    auth = JWTAuth(key=SECRET, algorithm="HS256", issuer=ISSUER, audience=AUDIENCE)
    token = auth.issue("alice", ["tasks:read", "tasks:write"], ttl=60)
    principal = auth.verify(token)
    assert isinstance(principal, Principal)
    assert principal.subject == "alice"
    assert principal.scopes == {"tasks:read", "tasks:write"}
    assert principal.claims["iss"] == ISSUER and principal.claims["aud"] == AUDIENCE


@pytest.mark.parametrize(
    ("algorithm", "key"),
    [
        ("HS256", SECRET),
        ("HS384", SECRET + b"x" * 16),
        ("HS512", SECRET * 2),
        ("RS256", RSA_PRIVATE_PEM),
        ("PS256", RSA_PRIVATE_PEM),
        ("ES256", _pem(EC_PRIVATE)),
        ("EdDSA", _pem(ED_PRIVATE)),
    ],
)
def test_every_algorithm_roundtrips_and_pyjwt_agrees(algorithm: str, key: bytes, clock: FakeClock) -> None:
    auth = JWTAuth(key=key, algorithm=algorithm, issuer=ISSUER, audience=AUDIENCE, clock=clock)
    ours = auth.issue("bob", ["a"], ttl=120)
    assert auth.verify(ours).subject == "bob"
    # a token minted by another JOSE library (PyJWT) must verify too
    claims = {"sub": "carol", "iat": int(clock()), "exp": int(clock()) + 60, "iss": ISSUER, "aud": AUDIENCE,
              "scope": "x y"}
    pyjwt_alg = "EdDSA" if algorithm == "EdDSA" else algorithm
    theirs = pyjwt.encode(claims, key, algorithm=pyjwt_alg, headers={"kid": auth.signing_key.kid})  # type: ignore[union-attr]
    principal = auth.verify(theirs)
    assert principal.subject == "carol" and principal.scopes == {"x", "y"}
    if algorithm not in ("HS256", "HS384", "HS512"):
        # and PyJWT verifies ours with the published public key
        jwk = auth.jwks_document()["keys"][0]
        public = pyjwt.PyJWK(jwk).key
        decoded = pyjwt.decode(ours, public, algorithms=[pyjwt_alg], audience=AUDIENCE, issuer=ISSUER,
                               options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
        assert decoded["sub"] == "bob"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"key": b"short", "algorithm": "HS256"}, "32"),
        ({"key": b"x" * 31, "algorithm": "HS256"}, "32"),
        ({"key": SECRET, "algorithm": "none"}, "none"),
        ({"key": SECRET, "algorithm": "NONE"}, "none"),
        ({"key": SECRET, "algorithm": "HS1"}, "unsupported"),
        ({"key": RSA_PUBLIC_PEM, "algorithm": "HS256"}, "confusion"),
        ({"key": RSA_PRIVATE_PEM, "algorithm": "HS256"}, "confusion"),
        ({"key": SECRET, "algorithm": "RS256"}, "PEM"),
        ({"key": RSA_PRIVATE_PEM, "algorithm": "ES256"}, "ECKey"),
        ({"key": None}, "configure a key"),
        ({"key": SECRET, "leeway": -1}, "leeway"),
    ],
)
def test_unsafe_configuration_is_refused(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        JWTAuth(**kwargs)


def test_small_rsa_key_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(ConfigError, match="2048"):
        JWTAuth(key=_pem(small), algorithm="RS256")


def test_verify_only_instance_cannot_issue() -> None:
    auth = JWTAuth(key=RSA_PUBLIC_PEM, algorithm="RS256")
    with pytest.raises(ConfigError, match="verify"):
        auth.issue("x")
    assert auth.jwks_document()["keys"][0]["kty"] == "RSA"


def test_hmac_keys_are_never_published() -> None:
    assert JWTAuth(key=SECRET).jwks_document() == {"keys": []}
    doc = JWTAuth(key=RSA_PRIVATE_PEM, algorithm="RS256").jwks_document()
    assert "d" not in doc["keys"][0] and doc["keys"][0]["alg"] == "RS256"


def test_key_rotation_by_kid(clock: FakeClock) -> None:
    old = JWTAuth(key=SECRET, kid="2025", clock=clock)
    old_token = old.issue("alice")
    new_secret = b"n" * 40
    rotated = JWTAuth(key=new_secret, kid="2026", previous_keys=[old.signing_key], clock=clock)  # type: ignore[list-item]
    assert rotated.verify(old_token).subject == "alice"
    new_token = rotated.issue("alice")
    assert json.loads(pyjwt.get_unverified_header(new_token)["kid"] == "2026" and "true")
    with pytest.raises(TokenError):
        old.verify(new_token)  # the old deployment does not know the new kid
    retired = JWTAuth(key=new_secret, kid="2026", clock=clock)
    with pytest.raises(TokenError):
        retired.verify(old_token)


def test_expiry_leeway_and_max_age(clock: FakeClock) -> None:
    auth = JWTAuth(key=SECRET, leeway=10, max_age=3600, clock=clock)
    token = auth.issue("a", ttl=60)
    clock.advance(65)
    assert auth.verify(token).subject == "a"  # within leeway (and served from the cache)
    clock.advance(10)
    with pytest.raises(TokenExpired):
        auth.verify(token)
    long_lived = JWTAuth(key=SECRET, leeway=0, max_age=100, max_ttl=10_000, clock=clock)
    t2 = long_lived.issue("b", ttl=5000)
    clock.advance(101)
    with pytest.raises(TokenExpired, match="maximum age"):
        long_lived.verify(t2)


def test_cache_still_enforces_expiry_and_revocation(any_store: Store, clock: FakeClock) -> None:
    auth = JWTAuth(key=SECRET, leeway=0, store=any_store, clock=clock)
    token = auth.issue("alice", ttl=100)
    first = auth.verify(token)
    assert auth.verify(token) is first  # cached
    auth.revoke(token)
    with pytest.raises(TokenRevoked):
        auth.verify(token)
    other = auth.issue("bob", ttl=100)
    auth.verify(other)
    clock.advance(100)
    with pytest.raises(TokenExpired):
        auth.verify(other)


def test_revocation_is_shared_between_instances(any_store: Store, clock: FakeClock) -> None:
    a = JWTAuth(key=SECRET, store=any_store, clock=clock)
    b = JWTAuth(key=SECRET, store=any_store, clock=clock)
    token = a.issue("x")
    assert b.verify(token).subject == "x"
    a.revoke(token)
    with pytest.raises(TokenRevoked):
        b.verify(token)


def _jwks_transport(documents: list[dict[str, Any]], calls: list[str]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(200, json=documents[min(len(calls), len(documents)) - 1])

    return httpx.MockTransport(handler)


def test_remote_jwks_with_caching_and_rotation(clock: FakeClock) -> None:
    idp_old = RSAKey.import_key(RSA_PRIVATE_PEM)
    idp_new = RSAKey.generate_key(2048)
    doc_old = {"keys": [{**idp_old.as_dict(private=False), "kid": "old", "alg": "RS256", "use": "sig"},
                        {"kty": "oct", "kid": "sym", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}]}
    doc_new = {"keys": [*doc_old["keys"], {**idp_new.as_dict(private=False), "kid": "new", "alg": "RS256"}]}
    calls: list[str] = []
    client = httpx.Client(transport=_jwks_transport([doc_old, doc_new], calls))
    jwks = RemoteJWKS("https://idp.test/jwks.json", client=client, min_refetch=30, clock=clock)
    auth = JWTAuth(jwks=jwks, issuer=ISSUER, clock=clock)
    base = {"sub": "u", "iat": int(clock()), "exp": int(clock()) + 600, "iss": ISSUER}
    token_old = pyjwt.encode(base, RSA_PRIVATE_PEM, algorithm="RS256", headers={"kid": "old"})
    assert auth.verify(token_old).subject == "u"
    assert auth.verify(token_old).subject == "u"
    assert len(calls) == 1
    # the symmetric key in the remote set is never usable (that would be algorithm confusion)
    forged = pyjwt.encode(base, b"secretsecretsecretsecretsecret12", algorithm="HS256", headers={"kid": "sym"})
    with pytest.raises(TokenError):
        auth.verify(forged)
    new_pem = idp_new.as_pem(private=True)
    token_new = pyjwt.encode(base, new_pem, algorithm="RS256", headers={"kid": "new"})
    with pytest.raises(TokenError):
        auth.verify(token_new)  # unknown kid, refetch throttled
    clock.advance(31)
    assert auth.verify(token_new).subject == "u"
    assert all(url == "https://idp.test/jwks.json" for url in calls)


def test_remote_jwks_never_follows_jku(clock: FakeClock) -> None:
    calls: list[str] = []
    client = httpx.Client(transport=_jwks_transport([{"keys": []}], calls))
    auth = JWTAuth(jwks=RemoteJWKS("https://idp.test/jwks.json", client=client, clock=clock), clock=clock)
    token = pyjwt.encode({"sub": "x", "iat": 1, "exp": 9e9}, RSA_PRIVATE_PEM, algorithm="RS256",
                         headers={"kid": "k", "jku": "https://evil.test/jwks"})
    with pytest.raises(TokenError):
        auth.verify(token)
    assert not any("evil" in c for c in calls)


def test_remote_jwks_unreachable_is_a_token_error(clock: FakeClock) -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down")

    auth = JWTAuth(jwks=RemoteJWKS("https://idp.test/j", client=httpx.Client(transport=httpx.MockTransport(boom))))
    token = pyjwt.encode({"sub": "x", "iat": 1, "exp": 9e9}, RSA_PRIVATE_PEM, algorithm="RS256", headers={"kid": "k"})
    with pytest.raises(TokenError):
        auth.verify(token)


def test_signing_key_kid_defaults_to_thumbprint() -> None:
    a = SigningKey.create(RSA_PRIVATE_PEM, "RS256")
    b = SigningKey.create(RSA_PUBLIC_PEM, "RS256")
    assert a.kid == b.kid and a.can_sign and not b.can_sign


_AUTH = JWTAuth(key=SECRET, issuer=ISSUER, audience=AUDIENCE)
_GOOD = _AUTH.issue("fuzz")

b64chars = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=.", max_size=200)


@given(st.one_of(st.none(), st.integers(), st.binary(max_size=64), st.text(max_size=300), b64chars,
                 st.lists(st.text(max_size=5)), st.dictionaries(st.text(max_size=5), st.integers())))
def test_fuzz_verify_raises_only_our_errors(value: Any) -> None:
    try:
        _AUTH.verify(value)
    except ApishieldError:
        pass


@given(st.integers(min_value=0, max_value=len(_GOOD) - 1), st.characters(codec="ascii"))
def test_fuzz_single_character_mutation(position: int, char: str) -> None:
    mutated = _GOOD[:position] + char + _GOOD[position + 1:]
    try:
        principal = _AUTH.verify(mutated)
    except TokenError:
        return
    # base64url has slack bits in the last character of a segment: only then may a mutation still verify
    assert principal.subject == "fuzz"


@given(st.dictionaries(st.sampled_from(["alg", "kid", "typ", "crit", "jku", "b64", "zip"]),
                       st.one_of(st.none(), st.text(max_size=10), st.integers(), st.lists(st.integers(), max_size=2))),
       st.dictionaries(st.sampled_from(["sub", "exp", "iat", "nbf", "iss", "aud", "jti", "scope"]),
                       st.one_of(st.none(), st.text(max_size=10), st.floats(), st.integers(), st.booleans())))
def test_fuzz_structured_headers_and_claims(header: dict[str, Any], claims: dict[str, Any]) -> None:
    from ._jwt_helpers import hmac_sign, segment

    signing_input = f"{segment(header)}.{segment(claims)}"
    try:
        _AUTH.verify(f"{signing_input}.{hmac_sign(signing_input, SECRET)}")
    except ApishieldError:
        pass


def test_verified_cache_is_bounded_and_keeps_only_verified_tokens(clock: FakeClock) -> None:
    auth = JWTAuth(key=SECRET, cache_size=2, clock=clock)
    tokens = [auth.issue(name, ttl=100) for name in ("a", "b", "c")]
    for token in tokens:
        auth.verify(token)
    assert list(auth._cache._items) == tokens[1:]  # the oldest went first
    forged = tokens[0][:-2] + ("AA" if not tokens[0].endswith("AA") else "BB")
    with pytest.raises(TokenError):
        auth.verify(forged)
    assert forged not in auth._cache._items
    assert auth.verify(tokens[0]).subject == "a"  # evicted tokens are verified again, not refused


def test_bytes_and_str_subclass_tokens_verify_like_the_plain_string(clock: FakeClock) -> None:
    class Text(str):
        pass

    auth = JWTAuth(key=SECRET, clock=clock)
    token = auth.issue("alice", ttl=100)
    first = auth.verify(Text(token))
    assert auth.verify(token) is first  # one cache entry, under the plain string
    assert auth.verify(token.encode()) is first
    for bad in ("", "é" + token, token.encode() + b"\xff", "x" * 20_000, 42):
        with pytest.raises(TokenError):
            auth.verify(bad)
