"""A hash of a fixed password kept only to be checked against when the user name is unknown (so that a wrong name
takes as long as a wrong password) is a timing decoy, not a seeded account: AS611 stays quiet. The same hash stored
on a user record seeds an account and is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_AUTH = """\
import bcrypt

from store import users

SPARE_HASH = bcrypt.hashpw(b"ralph", bcrypt.gensalt())


def check(name: str, password: str) -> bool:
    user = users.get(name)
    if user is None:
        bcrypt.checkpw(password.encode(), SPARE_HASH)
        return False
    return bcrypt.checkpw(password.encode(), user.hashed)
{extra}
"""


@pytest.mark.parametrize(("extra", "reported"), [
    ("", False),  # must stay quiet: only ever compared with, as a decoy
    ("\n\ndef seed():\n    users.add('admin', SPARE_HASH)\n", True),  # must fire: stored as an account's password
])
def test_a_fixed_hash_only_checked_against_is_a_decoy(tmp_path: Path, extra: str, reported: bool) -> None:
    files = {"auth.py": _AUTH.format(extra=extra), "store.py": "users = {}\n"}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS611" for f in result.findings) is reported
