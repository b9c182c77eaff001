"""An unverified JWT decode that decides nothing is not AS701: one that only picks the issuer or the key the same
function then verifies the same token with (``iss``/``kid`` first, ``jwt.decode(token, key, ...)`` after), and one in
an ``except`` handler that raises again (reading the token's age for a log line while refusing it). Claims read
unverified and used — no verified decode of that token after, or a handler that goes on — are still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_AUTH = '''import jwt


def keys_for(issuer):
    return KEYS[issuer]


def authenticate(token):
{body}
'''

_PEEK = '''    unverified = jwt.decode(token, options={"verify_signature": False})
    key = keys_for(unverified["iss"])
    return jwt.decode(token, key, algorithms=["RS256"], audience="api")
'''
_USED = '''    claims = jwt.decode(token, options={"verify_signature": False})
    return claims["sub"]
'''
_OTHER_TOKEN = '''    claims = jwt.decode(token, options={"verify_signature": False})
    jwt.decode(REFRESH, KEY, algorithms=["HS256"])
    return claims["sub"]
'''
_REFUSING = '''    try:
        return jwt.decode(token, KEY, algorithms=["RS256"])
    except jwt.ImmatureSignatureError:
        claims = jwt.decode(token, KEY, algorithms=["RS256"], options={"verify_signature": False})
        log.warning("token from the future", extra={"iat": claims.get("iat")})
        raise
'''
_GOING_ON = '''    try:
        return jwt.decode(token, KEY, algorithms=["RS256"])
    except jwt.ExpiredSignatureError:
        claims = jwt.decode(token, KEY, algorithms=["RS256"], options={"verify_signature": False})
        return claims
'''


@pytest.mark.parametrize(("body", "reported"), [
    (_PEEK, False),  # must stay quiet: the peek picks the key, then the token is verified
    (_REFUSING, False),  # must stay quiet: read while the token is refused
    (_USED, True),  # must fire: the unverified claims are the answer
    (_OTHER_TOKEN, True),  # must fire: another token is verified, not this one
    (_GOING_ON, True),  # must fire: the handler accepts the unverified claims
])
def test_unverified_peeks_at_a_token(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"auth.py": _AUTH.format(body=body)})
    assert any(f.rule_id == "AS701" for f in result.findings) is reported


_ALG_NONE_BRANCH = '''    header = jwt.get_unverified_header(token)
    if header.get("alg") == "none":
        payload = jwt.decode(token, options={"verify_signature": False})
        return payload
    return jwt.decode(token, KEY, algorithms=["HS256"])
'''
_RETURNED_PEEK = '''    if header_says_none(token):
        return jwt.decode(token, options={"verify_signature": False})
    return jwt.decode(token, KEY, algorithms=["HS256"])
'''


@pytest.mark.parametrize("body", [_ALG_NONE_BRANCH, _RETURNED_PEEK])
def test_an_unverified_branch_beside_a_verified_one_is_reported(tmp_path: Path, body: str) -> None:
    result = audit(tmp_path, {"auth.py": _AUTH.format(body=body)})
    assert any(f.rule_id == "AS701" for f in result.findings)
