"""A password put into a mapping of arguments for a call (``params['password'] = pw`` then ``Redis(**params)``,
``headers``, ``auth``) is handed on, not kept: no plain-text store (AS608). The same password put into a record the
app keeps (``users[name] = {...}``, ``record['password'] = pw``) is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """\
from flask import Flask, request

app = Flask(__name__)
USERS = {{}}


@app.post("/register")
def register():
    body = request.get_json()
    password = body["password"]
    {target}["password"] = password
    return {{"ok": True}}
"""


@pytest.mark.parametrize(("target", "fires"), [
    ("connection_params", False),  # quiet: arguments for a connection call
    ("request_kwargs", False),
    ("USERS[body['username']]", True),  # must fire: the app's own store of accounts
    ("record", True),
])
def test_a_password_in_call_arguments_is_not_stored(tmp_path: Path, target: str, fires: bool) -> None:
    source = _APP.format(target=target)
    if target in {"connection_params", "request_kwargs", "record"}:
        source = source.replace('    password = body["password"]\n',
                                f'    password = body["password"]\n    {target} = {{}}\n')
    if target == "record":
        source = source.replace('    return {"ok": True}',
                                '    USERS[body["username"]] = record\n    return {"ok": True}')
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS608" for f in result.findings) is fires
