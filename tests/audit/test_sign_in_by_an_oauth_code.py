"""A sign-in that takes an OAuth authorization code and no password, in a project exchanging codes at an identity
provider's token endpoint (the ``authorization_code`` grant), gives nothing to guess by repeating it: its AS202 is
low. A sign-in taking a password, or a one-time-code step reading a field named ``code``, keeps its severity; so does
the same handler in a project that exchanges no code (the ``code`` it reads is its own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

APP = '''from flask import Flask, jsonify, request

from services import exchange

app = Flask(__name__)


@app.route("{path}", methods=["POST"])
def {name}():
    data = request.get_json()
    token = exchange(data{read})
    return jsonify({{"token": token}})
'''

EXCHANGE = '''import requests

from settings import CLIENT_ID, CLIENT_SECRET, TOKEN_URL


def exchange(code, password=None):
    answer = requests.post(TOKEN_URL, data={{"grant_type": "{grant}", "code": code, "client_id": CLIENT_ID,
                                             "client_secret": CLIENT_SECRET}}, timeout=10)
    return answer.json()["id_token"]
'''


@pytest.mark.parametrize(("path", "name", "read", "grant", "low"), [
    ("/api/v1/auth", "authenticate", '["code"]', "authorization_code", True),
    ("/login/callback", "login_done", '.get("code")', "authorization_code", True),
    ("/api/v1/auth", "authenticate", '["code"], data["password"]', "authorization_code", False),
    ("/login/otp", "verify_otp", '["code"]', "authorization_code", False),
    ("/api/v1/auth", "authenticate", '["code"]', "password", False),
])
def test_an_oauth_code_sign_in_is_low(tmp_path: Path, path: str, name: str, read: str, grant: str,
                                      low: bool) -> None:
    files = {"app.py": APP.format(path=path, name=name, read=read), "services.py": EXCHANGE.format(grant=grant)}
    found = [f for f in audit(tmp_path, files).findings if f.rule_id == "AS202"]
    assert found and (max(f.severity for f in found) == Severity.LOW) is low
