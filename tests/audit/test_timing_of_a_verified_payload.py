"""A secret read out of a payload whose signature was checked as it was read (``jwt.decode`` with a key, an
itsdangerous serializer's ``loads``, a project's ``unserialize``) cannot be chosen by the caller without the signing
key, so comparing it with ``==`` reveals nothing by timing: no AS606. The same field of an unsigned payload
(``json.loads``, ``jwt.decode`` told not to verify) or the request's own value is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = '''import json

import jwt
from flask import Flask, request
from itsdangerous import URLSafeTimedSerializer

from .helpers import unserialize

app = Flask(__name__)
serializer = URLSafeTimedSerializer("k")


@app.post("/redeem")
def redeem():
    code = request.form["code"]
    {read}
    refresh_secret = payload["secret"]
    if refresh_secret != stored_secret_for(payload["user"]):
        return "no", 401
    return "ok"
'''


@pytest.mark.parametrize(("read", "reported"), [
    # must stay quiet: the payload's signature was checked
    ("payload = jwt.decode(code, KEY, algorithms=['HS256'])", False),
    ("payload = serializer.loads(code, max_age=3600)", False),
    ("payload = unserialize(code, max_age=86400)", False),
    # must fire: nothing was checked
    ("payload = json.loads(code)", True),
    ("payload = jwt.decode(code, options={'verify_signature': False})", True),
    ("payload = request.form", True),
])
def test_a_secret_out_of_a_verified_payload_is_not_timed(tmp_path: Path, read: str, reported: bool) -> None:
    result = audit(tmp_path, {"pkg/__init__.py": "", "pkg/app.py": _APP.format(read=read)})
    assert any(f.rule_id == "AS606" for f in result.findings) is reported
