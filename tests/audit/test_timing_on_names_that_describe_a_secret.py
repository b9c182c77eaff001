"""A name that describes a secret instead of holding it (``token_prefix``, ``settings.jwt_token_prefix``,
``key_type``, ``password_length``) is public knowledge: comparing it with ``==`` leaks nothing by timing, no AS606.
The secret itself compared the same way is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """
from fastapi import FastAPI, Header, HTTPException

from .settings import settings

app = FastAPI()


@app.get("/me")
def me(authorization: str = Header(...)):
    token_prefix, token = authorization.split(" ")
    {check}
    return {{"ok": True}}
"""


@pytest.mark.parametrize(("check", "reported"), [
    ("if token_prefix != settings.jwt_token_prefix: raise HTTPException(403)", False),
    ("if token_prefix.lower() != settings.token_type: raise HTTPException(403)", False),
    ("if len(token) != settings.token_length: raise HTTPException(403)", False),
    ("if token != settings.api_token: raise HTTPException(403)", True),
    ("if token != settings.secret_key: raise HTTPException(403)", True),
], ids=["scheme-prefix", "type", "length", "the-token", "the-secret"])
def test_names_that_describe_a_secret_are_not_timed(tmp_path: Path, check: str, reported: bool) -> None:
    result = audit(tmp_path, {"pkg/__init__.py": "", "pkg/settings.py": "settings = object()\n",
                              "pkg/app.py": _APP.format(check=check)})
    assert any(f.rule_id == "AS606" for f in result.findings) is reported
