"""Comparing the unkeyed digest of the caller's candidate password with the stored digest reveals at most a prefix of
a hash the attacker can compute anyway, also when the digest is made out of sight of the ``==``: a hash object built
first, a local name holding the digest, a helper of the same module returning it. A keyed MAC (``hmac.new``) or a
token compared as it came stays reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

MODULE = '''import hashlib
import hmac
from hashlib import sha256

SECRET = b"k"


def hash_pword(salt, pword):
    hasher = sha256()
    hasher.update(salt)
    hasher.update(pword.encode())
    return hasher.hexdigest()


def hashPassword(password):
    digest = hashlib.md5(password.encode()).hexdigest()
    return digest


def sign(value):
    return hmac.new(SECRET, value.encode(), "sha256").hexdigest()


def check(user, password, token, signature):
{body}
'''


@pytest.mark.parametrize(("body", "reported"), [
    # must stay quiet: a digest of the candidate, however it is reached
    ("    verify = hash_pword(user.salt, password)\n    return verify == user.password_hash", False),
    ("    return hashPassword(password) == user.password_hash", False),
    ("    h = hashlib.sha256()\n    h.update(password.encode())\n"
     "    return h.hexdigest() == user.password_hash", False),
    # must fire: a keyed MAC, or the secret itself
    ("    return sign(token) == signature", True),
    ("    expected = sign(token)\n    return signature == expected", True),
    ("    return token == user.api_token", True),
])
def test_digests_of_the_candidate_are_no_timing_leak(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"auth.py": MODULE.format(body=body)})
    assert any(f.rule_id == "AS606" for f in result.findings) is reported
