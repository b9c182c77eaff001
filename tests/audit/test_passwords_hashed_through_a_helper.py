"""A one-purpose hashing helper (``def md5(s): return hashlib.md5(s.encode()).hexdigest()``) called with a password
(``md5(password)`` at sign-up and sign-in) hashes passwords with a fast hash (AS604), reported at the call; the same
helper used for a cache key, a random reset token or text composed of several values (an HTTP Digest response over
the user name, the realm and the password) is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_APP = """\
import hashlib
import secrets


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def register(users, email, {name}):
    users[email] = md5({name})


def cache_key(path):
    return md5(path)


def digest_response(username, realm, password):
    return md5(":".join([username, realm, password]))
"""


@pytest.mark.parametrize(("name", "fires"), [("password", True), ("reset_token", False), ("payload", False)])
def test_a_password_hashed_through_a_helper(tmp_path: Path, name: str, fires: bool) -> None:
    source = _APP.format(name=name)
    line = next(i for i, text in enumerate(source.splitlines(), 1) if "users[email] = md5(" in text)
    found = lines_of(audit(tmp_path, {"app.py": source}), "AS604")
    assert (line in found) is fires
    assert not [n for n in found if "digest" in source.splitlines()[n - 2]]  # the Digest response is not reported
