"""AS609: a password or token written to the log — as an argument or interpolated into the message — must fire;
a user name, a value passed through a call first (its length, a mask) and names that only mention a secret
(``token_type``, ``password_changed``) must stay quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

HEAD = ("import logging\nfrom flask import Flask, request\napp = Flask(__name__)\n"
        "log = logging.getLogger(__name__)\n\n@app.post('/login')\ndef login():\n"
        "    username, password = request.form['username'], request.form['password']\n"
        "    token = request.headers.get('X-Token')\n    token_type = 'bearer'\n    password_changed = True\n")


@pytest.mark.parametrize(("line", "reported"), [
    ("log.info('login user=%s password=%s', username, password)", True),
    ("app.logger.warning(f'bad password {password} for {username}')", True),
    ("logging.debug('token: ' + token)", True),
    ("log.info('user=%s', username)", False),
    ("log.info('password length %d', len(password))", False),
    ("log.info('type %s changed %s', token_type, password_changed)", False),
    ("print('password', password)", False),  # standard output is not a logger call (judged by other means)
    ("token = get_jwt()\n    log.info(token)", False),  # the decoded claims, not the signed token
    ("token = request.cookies.get('access_token')\n    log.info(token)", True),
])
def test_a_secret_written_to_the_log(tmp_path: Path, line: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": HEAD + f"    {line}\n    return 'ok'\n"})
    assert any(f.rule_id == "AS609" for f in result.findings) is reported
