"""A route declared before it is written — its handler only ``pass``, ``...``, or a ``NotImplementedError`` or an
HTTP 501 raised or answered — serves nothing, so reaching it without authentication is listed low (AS101); the same
route whose handler reads and answers records is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from fastapi import APIRouter, Depends, FastAPI, HTTPException, status

from .auth import current_user
from .db import responses

app = FastAPI()
router = APIRouter()


@router.get("/me")
def me(user=Depends(current_user)):
    return user


@router.get("/responses/{{user_id}}")
def get_responses(user_id: int):
{body}


app.include_router(router, prefix="/api/intake-profile")
"""


@pytest.mark.parametrize(("body", "severity"), [
    ("    pass\n    # TODO: read the user's responses", Severity.LOW),  # must stay low: nothing is served
    ("    raise HTTPException(status_code=status.HTTP_501_NOT_IMPLEMENTED)", Severity.LOW),
    ("    raise NotImplementedError", Severity.LOW),
    ("    return responses.for_user(user_id)", Severity.HIGH),  # must fire: another user's answers, to anyone
])
def test_a_route_not_built_yet_serves_nothing(tmp_path: Path, body: str, severity: Severity) -> None:
    files = {"app/__init__.py": "", "app/auth.py": "def current_user():\n    return None\n",
             "app/db.py": "responses = None\n", "app/main.py": _APP.format(body=body)}
    found = [f.severity for f in audit(tmp_path, files).findings if f.rule_id == "AS101" and f.location
             and f.location.line == 15]
    assert found == [severity]
