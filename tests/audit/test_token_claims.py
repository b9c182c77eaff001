"""AS507: claims put into the payload dict after it was made (``payload["exp"] = ...``, ``payload.update(exp=...)``)
count: a token built that way expires; one whose later claims leave ``exp`` out does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity

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


_OWN_EXPIRY = """\
import time

import jwt


def create_token(username, secret):
    return jwt.encode({{"username": username, "{claim}": int(time.time() + 300)}}, secret, algorithm="HS256")


def is_valid_token(token, secret):
    payload = jwt.decode(token, secret, algorithms=["HS256"])
    {check}
"""


@pytest.mark.parametrize(("claim", "check", "medium"), [
    ("expire_time", "return payload['expire_time'] > int(time.time())", False),  # quiet at medium: checked
    ("expires_at", "return payload.get('expires_at', 0) > time.time()", False),
    ("expire_time", "return 'username' in payload", True),  # must fire: the claim is never compared
    ("issued", "return payload['issued'] > int(time.time()) - 300", True),  # not an expiry claim by its name
])
def test_a_token_with_its_own_expiry_claim_compared_with_the_clock_is_low(
        tmp_path: Path, claim: str, check: str, medium: bool) -> None:
    result = audit(tmp_path, {"tokens.py": _OWN_EXPIRY.format(claim=claim, check=check)})
    lifetimes = [f for f in result.findings if f.rule_id == "AS507"]
    assert lifetimes, "reported either way"
    assert any(f.severity >= Severity.MEDIUM for f in lifetimes) is medium
