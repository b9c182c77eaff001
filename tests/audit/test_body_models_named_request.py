"""A FastAPI handler parameter named ``request`` but typed with a body model (``request: LoginRequest``) is the
body the client posted, not the framework's request object: its fields are request data wherever they go. The
framework's own request (``request: Request``, or an untyped ``request``) keeps its reading: its method and path are
the route's, its query and body are the client's."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
import sqlite3
from fastapi import APIRouter, Request
from pydantic import BaseModel
router = APIRouter()
class LoginRequest(BaseModel):
    username: str
@router.post("/login")
def login(request: {annotation}):
    cur = sqlite3.connect("app.db").cursor()
    cur.execute(f"SELECT id FROM users WHERE username = '{{{value}}}'")
    return {{"ok": True}}
"""


@pytest.mark.parametrize(("annotation", "value", "proven"), [
    ("LoginRequest", "request.username", True),  # must fire: a field of the posted body
    ("Request", "request.method", False),  # must stay quiet: the route's own method
    ("Request", "request.query_params['u']", True),  # must fire: the client's query
])
def test_a_body_model_named_request_is_request_data(tmp_path: Path, annotation: str, value: str,
                                                      proven: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(annotation=annotation, value=value)})
    hits = [f for f in result.findings if f.rule_id == "AS801" and f.severity >= Severity.HIGH]
    assert bool(hits) is proven
