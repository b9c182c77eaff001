"""A handler that raises the framework's HTTP error with the caught exception's text as its detail (``raise
HTTPException(500, detail=f"Database error: {e}")``) sends that text as the answer's body, as returning it would."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
import psycopg2
from fastapi import FastAPI, HTTPException
from pydantic import ValidationError
app = FastAPI()
cur = None
@app.post("/v1/rename")
async def rename(old: str, new: str):
    try:
        cur.execute("UPDATE t SET k=%s WHERE k=%s", (new, old))
    except {caught} as e:
        raise HTTPException(status_code=500, detail={detail}) from e
    return {{"ok": True}}
"""


@pytest.mark.parametrize(("caught", "detail", "reported"), [
    # must fire: the database's own message is the answer
    ("psycopg2.Error", 'f"Database error during rename: {str(e)}"', True),
    ("Exception", "str(e)", True),
    # must stay quiet: a fixed message, or an error that can only describe the caller's input
    ("psycopg2.Error", '"Database error during rename"', False),
    ("ValidationError", "str(e)", False),
])
def test_exception_text_raised_as_an_http_error_is_the_answer(tmp_path: Path, caught: str, detail: str,
                                                              reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(caught=caught, detail=detail)})
    hits = [f for f in result.findings if f.rule_id == "AS307" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported
