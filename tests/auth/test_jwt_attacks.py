"""The JWT attack catalogue (tests/vectors/jwt/attacks.json) against HS256 and RS256 verifiers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apishield.auth.jwt import JWTAuth
from apishield.errors import TokenError, TokenExpired

from ._jwt_helpers import (
    AUDIENCE,
    ISSUER,
    NOW,
    RSA_PRIVATE_PEM,
    RSA_PUBLIC_PEM,
    SECRET,
    b64,
    base_claims,
    hmac_sign,
    rsa_sign,
    segment,
)

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "jwt" / "attacks.json").read_text())["cases"]


def _auth(setup: str) -> JWTAuth:
    key = SECRET if setup == "HS256" else RSA_PRIVATE_PEM
    return JWTAuth(key=key, algorithm=setup, issuer=ISSUER, audience=AUDIENCE, kid="k1", clock=lambda: NOW)


def _merge(base: dict[str, Any], changes: dict[str, Any], relative: bool) -> dict[str, Any]:
    out = dict(base)
    for name, value in changes.items():
        if value is None:
            out.pop(name, None)
        elif relative and name in ("exp", "nbf", "iat") and isinstance(value, int) and not isinstance(value, bool):
            out[name] = int(NOW) + value
        else:
            out[name] = value
    return out


def _build(case: dict[str, Any], setup: str) -> str:
    header = _merge({"alg": setup, "typ": "JWT", "kid": "k1"}, case.get("header", {}), relative=False)
    claims = _merge(base_claims(), case.get("claims", {}), relative=True)
    payload = b64(case["raw_payload"].encode()) if "raw_payload" in case else segment(claims)
    signing_input = f"{segment(header)}.{payload}"
    good_input = f"{segment({'alg': setup, 'typ': 'JWT', 'kid': 'k1'})}.{segment(base_claims())}"

    def real(inp: str) -> str:
        return hmac_sign(inp, SECRET) if setup == "HS256" else rsa_sign(inp)

    how = case["signing"]
    if how == "empty":
        return signing_input + "."
    if how == "keep":
        return f"{signing_input}.{real(good_input)}"
    if how == "hmac":
        return f"{signing_input}.{hmac_sign(signing_input, SECRET)}"
    if how == "rsa_public_as_hmac":
        return f"{signing_input}.{hmac_sign(signing_input, RSA_PUBLIC_PEM, header['alg'])}"
    if how == "strip":
        return good_input + "."
    if how == "flip_signature":
        sig = real(good_input)
        return f"{good_input}.{sig[:-4]}{'AAAA' if sig[-4:] != 'AAAA' else 'BBBB'}"
    if how == "reuse_signature":
        return f"{signing_input}.{real(good_input)}"
    if how == "extra_segment":
        return f"{good_input}.{real(good_input)}.{real(good_input)}"
    assert how == "key", how
    return f"{signing_input}.{real(signing_input)}"


@pytest.mark.parametrize("setup", ["HS256", "RS256"])
def test_baseline_token_verifies(setup: str) -> None:
    """The hand-rolled builder makes tokens that verify, so each attack fails for its own reason."""
    token = _build({"signing": "key"}, setup)
    principal = _auth(setup).verify(token)
    assert principal.subject == "alice"
    assert principal.scopes == {"tasks:read"}


@pytest.mark.parametrize("setup", ["HS256", "RS256"])
@pytest.mark.parametrize("case", VECTORS, ids=[c["name"] for c in VECTORS])
def test_attack_refused(case: dict[str, Any], setup: str) -> None:
    token = _build(case, setup)
    expected: type[TokenError] = TokenExpired if case.get("expect") == "TokenExpired" else TokenError
    with pytest.raises(expected):
        _auth(setup).verify(token)


def test_rs256_verifier_refuses_hs256_even_with_public_key_only() -> None:
    """A verify-only RS256 setup (public PEM) must never treat the PEM as an HMAC secret."""
    auth = JWTAuth(key=RSA_PUBLIC_PEM, algorithm="RS256", issuer=ISSUER, audience=AUDIENCE, kid="k1",
                   clock=lambda: NOW)
    good = _build({"signing": "key"}, "RS256")
    assert auth.verify(good).subject == "alice"
    forged = _build({"header": {"alg": "HS256"}, "signing": "rsa_public_as_hmac"}, "RS256")
    with pytest.raises(TokenError):
        auth.verify(forged)
