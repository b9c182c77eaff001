"""A check whose accepted secret is written in it (AS603): a password compared with a literal, and a key the client
sends compared with or looked up in literals. A configuration value compared with a placeholder (a guard against a
missing secret) and a client value that names no credential stay quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """\
from flask import Flask, abort, request
app = Flask(__name__)


@app.get('/api/data')
def data():
{check}
    return {{'ok': True}}
"""

REPORTED = {
    "an API key header looked up in a literal list":
        "    if request.headers.get('X-API-Key') not in ['admin_api_key_123', 'user_api_key_456']:\n        abort(403)",
    "a token query field compared with a literal":
        "    if request.args.get('token') != 's3cr3t-token':\n        abort(401)",
    "a password compared with a literal": "    password = request.form['password']\n"
                                          "    if password == 'hunter22':\n        return {'admin': True}",
}
QUIET = {
    "a configured key compared with a placeholder":
        "    if app.config['API_KEY'] == 'changeme':\n        abort(500)",
    "a client value that names no credential":
        "    if request.args.get('format') not in ['json', 'yaml']:\n        abort(400)",
    "a literal that asks for a generated password (its branch replaces the value)":
        "    password = request.form.get('password')\n    if not password or 'generated' == password:\n"
        "        password = secrets.token_urlsafe(16)",
    "a client key compared with the configured one":
        "    if request.headers.get('X-API-Key') != app.config['API_KEY']:\n        abort(403)",
}


def _found(tmp_path: Path, check: str) -> bool:
    result = audit(tmp_path, {"app.py": _APP.format(check=check)})
    return any(f.rule_id == "AS603" for f in result.findings)


@pytest.mark.parametrize("case", sorted(REPORTED))
def test_a_credential_checked_against_literals_is_hard_coded(tmp_path: Path, case: str) -> None:
    assert _found(tmp_path, REPORTED[case])


@pytest.mark.parametrize("case", sorted(QUIET))
def test_checks_that_hold_no_credential_are_quiet(tmp_path: Path, case: str) -> None:
    assert not _found(tmp_path, QUIET[case])
