"""``random`` drawing a value named like a session or a token is a weak secret (AS605), except in a module named for
making made-up data (``generate_fake_talks.py``, ``dummy_data.py``): a generator of sample records draws its values
with ``random`` by design, and no client reaches it. The same code in an ordinary module is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

CODE = '''import random
import string


def create_room_sessions(count):
    return ["".join(random.choices(string.ascii_letters, k=32)) for _ in range(count)]


def make_reset_token():
    token = "".join(random.choices(string.ascii_letters, k=32))
    return token
'''


@pytest.mark.parametrize(("path", "reported"), [
    ("talks/management/commands/generate_fake_talks.py", False),
    ("talks/dummy_data.py", False),
    ("talks/mock_users.py", False),
    ("talks/tokens.py", True),
    ("talks/management/commands/make_tokens.py", True),
    ("talks/mockingbird.py", True),
])
def test_random_is_no_weak_secret_in_a_made_up_data_generator(tmp_path: Path, path: str, reported: bool) -> None:
    result = audit(tmp_path, {path: CODE})
    assert any(f.rule_id == "AS605" for f in result.findings) is reported
