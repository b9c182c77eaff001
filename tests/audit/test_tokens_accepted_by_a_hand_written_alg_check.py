"""Code that reads a token's header by hand and takes the branch where ``alg`` is ``none`` without refusing it
accepts tokens nobody signed (AS702, critical). The same test that refuses the token (a raise, an ``abort``, a
``return None`` or a 4xx answer) is the defence, not the flaw, and stays quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

MODULE = '''
import base64
import json

import jwt
from flask import Flask, abort, jsonify

app = Flask(__name__)
KEY = open("key.pem").read()


@app.route("/verify/<token>")
def verify(token):
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    if {test}:
{branch}
    claims = jwt.decode(token, KEY, algorithms=["RS256"])
    return jsonify(claims)
'''


@pytest.mark.parametrize(("test", "branch", "fires"), [
    ("header['alg'] == 'none'", "        return jsonify(payload)", True),
    ("header.get('alg') in ('none', 'None')", "        user = payload['sub']\n        return jsonify(user=user)", True),
    ("'NONE' == header['alg']", "        claims = payload", True),
    ("header['alg'] == 'none'", "        abort(401)", False),
    ("header.get('alg') == 'none'", "        raise ValueError('unsigned token')", False),
    ("header['alg'] == 'none'", "        return jsonify(error='unsigned'), 401", False),
    ("header['alg'] == 'HS256'", "        return jsonify(payload)", False),
], ids=["returns-payload", "in-a-tuple", "reversed-upper", "aborts", "raises", "answers-401", "another-alg"])
def test_a_hand_written_alg_none_branch(tmp_path: Path, test: str, branch: str, fires: bool) -> None:
    result = audit(tmp_path, {"app.py": MODULE.format(test=test, branch=branch)})
    found = [f for f in result.findings if f.rule_id == "AS702" and "by hand" in (f.message or "")]
    assert bool(found) is fires, [f.message for f in result.findings if f.rule_id == "AS702"]
    assert all(f.severity == Severity.CRITICAL for f in found)
