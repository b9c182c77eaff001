"""CORS allowing any origin with credentials (AS305) matters where the credentials carry something the app reads: in
a project whose routes identify no caller (none authenticates, reads a session or signs anyone in) and that sets no
cookie, a foreign page learns only what it could fetch itself, so the finding stays, low. One authenticated route
keeps it at its severity."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.security import HTTPBearer

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_methods=["*"])
bearer = HTTPBearer()


@app.get("/normalize")
def normalize(curie: str):
    return lookup(curie)
{extra}
"""

_PRIVATE = """

@app.get("/me")
def me(token=Depends(bearer)):
    return profile(token)
"""


@pytest.mark.parametrize(("extra", "medium"), [("", False), (_PRIVATE, True)])
def test_credentialed_cors_on_an_app_that_knows_no_caller_is_low(tmp_path: Path, extra: str, medium: bool) -> None:
    result = audit(tmp_path, {"server.py": _APP.format(extra=extra)})
    cors = [f for f in result.findings if f.rule_id == "AS305"]
    assert cors, "reported either way"
    assert any(f.severity >= Severity.MEDIUM for f in cors) is medium
