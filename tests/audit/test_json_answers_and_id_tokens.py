"""Two readings of what a value is: a dict given to Flask's ``make_response`` is answered as JSON, not HTML (AS404);
an OpenID Connect ID token decoded without its signature is low (AS701), since the provider's token endpoint over
TLS is its authentication; any other token decoded that way stays high."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit


@pytest.mark.parametrize(("answer", "reported"), [
    ("make_response({'pid': request.args['pid']})", False),   # must stay quiet: JSON
    ("make_response(request.args['pid'])", True),              # must fire: text/html
])
def test_make_response_of_a_dict_is_json(tmp_path: Path, answer: str, reported: bool) -> None:
    source = ("from flask import Flask, request, make_response\napp = Flask(__name__)\n\n"
              f"@app.route('/cart')\ndef cart():\n    return {answer}\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS404" and f.severity >= Severity.MEDIUM for f in result.findings) is reported


@pytest.mark.parametrize(("token", "high"), [
    ("self.id_token", False),        # must stay quiet (low): an ID token from the provider's token endpoint
    ("tokens['id_token']", False),
    ("self.access_token", True),     # must fire: any other token
    ("request_token", True),
])
def test_an_oidc_id_token_decoded_without_its_signature_is_low(tmp_path: Path, token: str, high: bool) -> None:
    source = f"import jwt\n\nclass Tokens:\n    def claims(self, tokens, request_token):\n" \
             f"        return jwt.decode(jwt={token}, options={{'verify_signature': False}})\n"
    result = audit(tmp_path, {"service.py": source})
    found = [f for f in result.findings if f.rule_id == "AS701"]
    assert found, "always listed"
    assert any(f.severity >= Severity.MEDIUM for f in found) is high
