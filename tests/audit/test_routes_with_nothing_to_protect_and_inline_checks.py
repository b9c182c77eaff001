"""Four readings of whether a route is guarded or needs to be:

* a private word that only qualifies another noun (``/render-user-content``) does not make a path private, while
  one that heads the compound or is followed by words about its records (``/user-list``) does (AS101);
* a handler whose first statement calls the module's own helper that answers 401 itself (``claims =
  decode_token(authorization)``) is authenticated (AS101);
* a role read under a role-named key of the session (``session.get('is_admin')``) is a role check (AS103);
* a handler that only computes its answer from its own input (a hash, a random token) has nothing to protect,
  whatever its path is called (AS101 quiet, AS104 low); one that returns authored data (a key, a password hash)
  or does something (eval, a fetch) keeps its findings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

FLASK = "from flask import Flask, request, jsonify, session\nimport hashlib, random\napp = Flask(__name__)\n" \
        "app.secret_key = open('/run/secrets/key').read()\n\n"


def _medium(result: object, rule: str, line_hint: str = "") -> list[object]:
    return [f for f in result.findings  # type: ignore[attr-defined]
            if f.rule_id == rule and f.severity >= Severity.MEDIUM and line_hint in f.message]


@pytest.mark.parametrize(("path", "private"), [
    ("/render-user-content", False),   # must stay quiet: 'user' qualifies 'content'
    ("/user_guide", False),
    ("/user-list", True),              # must fire: the records of users
    ("/users", True),
    ("/my-notes", True),
])
def test_a_private_word_counts_when_it_heads_the_name(tmp_path: Path, path: str, private: bool) -> None:
    handler = path.strip("/").replace("-", "_") + "_view"
    source = FLASK + f"NOTES = []\n\n@app.route('{path}', methods=['POST'])\ndef {handler}():\n" \
                     "    text = request.form.get('text', '')\n    NOTES.append(text)\n    return jsonify(ok=True)\n"
    result = audit(tmp_path, {"app.py": source})
    assert bool(_medium(result, "AS101", "private or personal data")) is private


TOKENS = """from fastapi import FastAPI, Header, HTTPException
import jwt
app = FastAPI()
KEY = open('/run/secrets/jwt').read()


def decode_token(auth):
    if not auth or not auth.lower().startswith('bearer '):
        raise HTTPException(status_code=401, detail='missing token')
    return jwt.decode(auth.split(' ', 1)[1], KEY, algorithms=['HS256'])


def parse_token(auth):
    return jwt.decode(auth.split(' ', 1)[1], KEY, algorithms=['HS256'], options={'verify_signature': True})


@app.get('/me')
def me(authorization: str = Header(default=None)):
    claims = HELPER(authorization)
    return {'claims': claims}
"""


@pytest.mark.parametrize(("helper", "reported"), [
    ("decode_token", False),   # must stay quiet: the helper answers 401 itself
    ("parse_token", True),     # must fire: nothing refuses a missing token
])
def test_a_helper_that_refuses_called_first_authenticates(tmp_path: Path, helper: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": TOKENS.replace("HELPER", helper)})
    assert bool(_medium(result, "AS101", "/me")) is reported


@pytest.mark.parametrize(("test", "reported"), [
    ("not session.get('is_admin', False)", False),   # must stay quiet: a role read from the session
    ("not session.get('user_id')", True),            # must fire: only a signed-in test
])
def test_a_role_named_session_key_is_a_role_check(tmp_path: Path, test: str, reported: bool) -> None:
    source = FLASK + "@app.route('/admin/user-list')\ndef list_all_users():\n" \
                     f"    if {test}:\n        return jsonify(error='Unauthorized'), 403\n" \
                     "    return jsonify(users=[u.name for u in User.query.all()])\n"
    result = audit(tmp_path, {"app.py": source})
    assert bool(_medium(result, "AS103")) is reported


@pytest.mark.parametrize(("body", "protect"), [
    ("    digest = hashlib.md5(value.encode()).hexdigest()\n    return {'value': value, 'md5': digest}\n", False),
    ("    token = ''.join(random.choice('abcdef0123') for _ in range(24))\n    return {'token': token}\n", False),
    ("    return {'database_password': 'super-secret-db-pw', 'mode': value.upper()}\n", True),    # authored data
    ("    return {'echo': value}\n", True),                                                       # computes nothing
    ("    result = eval(value)\n    return {'result': result}\n", True),                            # does something
])
def test_a_handler_that_only_computes_has_nothing_to_protect(tmp_path: Path, body: str, protect: bool) -> None:
    source = FLASK + "@app.route('/debug/tool')\ndef debug_tool():\n    value = request.args.get('value', '')\n" + body
    result = audit(tmp_path, {"app.py": source})
    assert bool(_medium(result, "AS101")) is protect
    assert bool(_medium(result, "AS104")) is protect
    assert any(f.rule_id == "AS104" for f in result.findings), "the debug route is always listed"
