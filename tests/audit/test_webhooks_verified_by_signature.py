"""A webhook receiver authenticates its sender by a signature over the body, not by a session or a token: a
handler that refuses the request when the signature does not verify (an ``except`` naming a signature failure
that answers, or ``if not hmac.compare_digest(...)`` that answers) is not a route without authentication
(AS101). Catching another error, comparing a CSRF token, or catching the failure and carrying on is no such
refusal: AS101 stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''
import hmac

from fastapi import FastAPI, HTTPException, Request
from itsdangerous import BadSignature

from .parsing import SignatureMatchError, parse

app = FastAPI()


@app.post("/hooks/{{uuid}}")
async def receive_hook(uuid: str, request: Request):
{body}
    return {{"ok": True}}
'''

CAUGHT = ("    try:\n        message = await parse(uuid, request)\n"
          "    except ({kind}, ValueError) as error:\n        raise HTTPException(400, str(error)) from error\n")
COMPARED = ("    body = await request.body()\n    expected = hmac.new(b'k', body, 'sha256').hexdigest()\n"
            "    if not hmac.compare_digest({given}, expected):\n        raise HTTPException(400)\n")
CAUGHT_AND_IGNORED = ("    try:\n        message = await parse(uuid, request)\n"
                      "    except SignatureMatchError:\n        message = None\n")


@pytest.mark.parametrize(("body", "reported"), [
    (CAUGHT.format(kind="SignatureMatchError"), False),
    (CAUGHT.format(kind="BadSignature"), False),
    (COMPARED.format(given="request.headers.get('X-Hub-Signature-256', '')"), False),
    (CAUGHT.format(kind="KeyError"), True),
    (COMPARED.format(given="request.headers.get('X-CSRF-Token', '')"), True),
    (CAUGHT_AND_IGNORED, True),
], ids=["app-signature-error", "itsdangerous", "compare-digest", "other-error", "csrf-token", "caught-and-ignored"])
def test_a_webhook_refusing_bad_signatures_is_authenticated(tmp_path: Path, body: str, reported: bool) -> None:
    files = {"hooks/__init__.py": "", "hooks/parsing.py": "class SignatureMatchError(Exception): ...\n"
             "async def parse(uuid, request): ...\n", "hooks/app.py": APP.format(body=body)}
    result = audit(tmp_path, files)
    found = [f for f in result.findings if f.rule_id == "AS101" and "receive_hook" in (f.message or "")]
    assert bool(found) is reported, [f.message for f in result.findings if f.rule_id == "AS101"]
