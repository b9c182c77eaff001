"""A directory the program computes at module level from literals (``UPLOAD_DIR = BASE_DIR / "uploads"``) joined
with what the client sent by pathlib's ``/`` is still a path: reading or writing it is a path sink (AS806), as
``Path(value)`` is. A number divided by a number is no path."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from pathlib import Path

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
BASE_DIR = Path(__file__).resolve().parent
UPLOAD_DIR = BASE_DIR / "uploads"


class Body(BaseModel):
    file: str
    count: int


@app.post("/read")
def read(body: Body):
{body}
"""


@pytest.mark.parametrize(("body", "reported"), [
    ("    return {'text': (UPLOAD_DIR / body.file).read_text()}", True),  # must fire
    ("    target = UPLOAD_DIR / body.file\n    target.write_bytes(b'')\n    return {}", True),
    ("    return {'text': (UPLOAD_DIR / Path(body.file).name).read_text()}", False),  # must stay quiet: a name only
    ("    return {'share': 100 / body.count}", False),
])
def test_a_client_value_joined_under_an_app_directory(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(body=body)})
    assert any(f.rule_id == "AS806" and f.severity > Severity.LOW for f in result.findings) is reported
