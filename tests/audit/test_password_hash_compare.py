"""AS606: comparing a salted password hash of the candidate with the stored hash (``bcrypt.hashpw(pw, stored) ==
stored``, ``pbkdf2_hmac(...) == stored``) leaks nothing usable by timing: the attacker cannot steer the hash's
bytes; comparing the stored hash with a value the caller sends does."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import audit

_CHECK = """\
import bcrypt
import hashlib


def verify_password(password, hashed):
    return {expr}
"""


@pytest.mark.parametrize(("expr", "reported"), [
    ("password.encode('utf-8') == hashed", True),                          # must fire: the caller's bytes
    ("bcrypt.hashpw(password.encode('utf-8'), hashed) == hashed", False),  # must stay quiet: a fresh salted hash
    ("hashlib.pbkdf2_hmac('sha256', password.encode(), SALT, 100_000) == hashed", False),
    ("hashlib.pbkdf2_hmac('sha256', password.encode(), SALT, 100_000).hex() == hashed", False),
])
def test_a_fresh_salted_password_hash_compared_with_eq_leaks_nothing(tmp_path: Path, expr: str,
                                                                     reported: bool) -> None:
    result = audit(tmp_path, {"auth.py": _CHECK.format(expr=expr)})
    assert any(f.rule_id == "AS606" for f in result.findings) is reported
