"""A ``==`` on a field that names no secret, read from an object whose name does (a signature row's signer, an
ID token's issuer, a count of signatures), compares that field, not the secret: no AS606. The secret's own text
read from its holder (``token.value``, ``credentials.credentials``) or a field that names a secret is still
reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

FLASK = '''from flask import Flask, request, session

from settings import API_TOKEN, ISSUER

app = Flask(__name__)


@app.post("/sign/<int:packet_id>")
def sign(packet_id):
    sig = load_signature(packet_id)
    token = request.headers.get("X-Token-Record")
    credentials = read_bearer(request)
    if {compare}:
        return "no", 403
    return "ok"
'''


@pytest.mark.parametrize(("compare", "reported"), [
    ('sig.freshman_username == request.form["name"]', False),
    ('session["id_token"]["iss"] == ISSUER', False),
    ("sig.total != request.form['count']", False),
    ("sig.hmac != request.form['given']", True),
    ('token.value != API_TOKEN', True),
    ("credentials.credentials != API_TOKEN", True),
    ('sig != request.form["signature"]', True),
])
def test_a_field_of_a_secret_is_compared_only_when_it_is_the_secret(tmp_path: Path, compare: str,
                                                                      reported: bool) -> None:
    result = audit(tmp_path, {"app.py": FLASK.format(compare=compare)})
    assert any(f.rule_id == "AS606" for f in result.findings) is reported
