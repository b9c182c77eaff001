"""A password-reset or password-change function that hashes the random reset token it mails or receives with
SHA-256 (to store it, or to look the stored one up), or an account's name or address (a token derived from it, weak
for another reason), hashes no password: no AS604. A fast hash of the password
itself, in such a function or anywhere, is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

SOURCE = '''import hashlib
import secrets


def change_password(data, store):
    {line}
    return store.find(hashed)
'''


@pytest.mark.parametrize(("line", "reported"), [
    ('hashed = hashlib.sha256(data.token.encode("utf-8")).digest()', False),
    ("hashed = hashlib.sha256(secrets.token_urlsafe(32).encode()).hexdigest()", False),
    ("hashed = hashlib.sha256(data.reset_code.encode()).hexdigest()", False),
    ("hashed = hashlib.md5(data.username.encode()).hexdigest()", False),  # an account's name: no password
    ("hashed = hashlib.md5(data.email.lower().encode()).hexdigest()", False),
    ("hashed = hashlib.md5((data.username + data.password).encode()).hexdigest()", True),
    ('hashed = hashlib.sha256(data.new_password.encode("utf-8")).digest()', True),
    ("hashed = hashlib.sha256(data.encode()).hexdigest()", True),
])
def test_fast_hash_in_a_password_function(tmp_path: Path, line: str, reported: bool) -> None:
    result = audit(tmp_path, {"accounts.py": SOURCE.format(line=line)})
    assert any(f.rule_id == "AS604" for f in result.findings) is reported
