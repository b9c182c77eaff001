"""A password hasher given too little work (AS604): a Django hasher subclass with ``iterations = 1000`` or a bcrypt
cost of 4, ``hashlib.pbkdf2_hmac`` of a password with a few thousand iterations. Django's own defaults, a
subclass that raises the work, and a key derived from a non-password stay quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit


@pytest.mark.parametrize(("body", "reported"), [
    ("class FastHasher(PBKDF2PasswordHasher):\n    iterations = 1000\n", True),  # must fire
    ("class FastBcrypt(BCryptSHA256PasswordHasher):\n    rounds = 4\n", True),
    ("class StrongHasher(PBKDF2PasswordHasher):\n    iterations = 1_200_000\n", False),  # must stay quiet
    ("class Cache:\n    iterations = 10\n", False),  # not a hasher
])
def test_a_django_hasher_subclass_with_too_little_work(tmp_path: Path, body: str, reported: bool) -> None:
    source = ("from django.contrib.auth.hashers import BCryptSHA256PasswordHasher, PBKDF2PasswordHasher\n\n\n"
              + body)
    result = audit(tmp_path, {"accounts/hashers.py": source})
    assert any(f.rule_id == "AS604" for f in result.findings) is reported


@pytest.mark.parametrize(("call", "reported"), [
    ("hashlib.pbkdf2_hmac('sha256', password.encode(), salt, 1000)", True),
    ("hashlib.pbkdf2_hmac('sha256', password.encode(), salt, 600_000)", False),
    ("hashlib.pbkdf2_hmac('sha256', file_key, salt, 1000)", False),
])
def test_pbkdf2_of_a_password_with_too_few_iterations(tmp_path: Path, call: str, reported: bool) -> None:
    source = f"import hashlib\n\n\ndef store(password, salt, file_key):\n    return {call}\n"
    result = audit(tmp_path, {"accounts/crypto.py": source})
    assert any(f.rule_id == "AS604" for f in result.findings) is reported
