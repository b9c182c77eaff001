"""AS507: claims put into the payload dict after it was made (``payload["exp"] = ...``, ``payload.update(exp=...)``)
count: a token built that way expires; one whose later claims leave ``exp`` out does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import audit

_ISSUE = """\
from datetime import datetime, timedelta

import jwt


def create_access_token(user):
    payload = {{}}
    payload["user"] = user
    {expiry}
    return jwt.encode(payload, KEY, algorithm="HS256")
"""


@pytest.mark.parametrize(("expiry", "reported"), [
    ("payload['jti'] = new_id()", True),                                        # must fire: no exp at all
    ("payload['exp'] = datetime.now() + timedelta(minutes=30)", False),         # must stay quiet
    ("payload.update(exp=datetime.now() + timedelta(minutes=30))", False),
    ("payload.update({'exp': datetime.now() + timedelta(minutes=30)})", False),
])
def test_claims_added_after_the_payload_is_made_count(tmp_path: Path, expiry: str, reported: bool) -> None:
    result = audit(tmp_path, {"tokens.py": _ISSUE.format(expiry=expiry)})
    assert any(f.rule_id == "AS507" for f in result.findings) is reported
