"""A directory a module names once (``DATA = Path("/srv/data")``) is still a path when a handler joins a client's
value to it with ``/``: reading or listing the result is AS806 when the value may hold a ``/`` (FastAPI's
``{x:path}``), as it is for a directory written in place. A fixed file name, or a value of one path segment, is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

DATA = Path("/srv/data")
app = FastAPI()


@app.get("{route}")
def serve(name: str = ""):
    target = {target}
    return PlainTextResponse(target.read_text())
'''


@pytest.mark.parametrize(("route", "target", "reported"), [
    ("/files/{name:path}", "DATA / name", True),
    ("/files/{name:path}", "DATA / name.strip('/')", True),
    ("/files/{name:path}", "Path('/srv/data') / name", True),
    ("/files/{name:path}", "DATA / 'index.txt'", False),
    ("/files/{name}", "DATA / name", False),
])
def test_a_client_path_joined_to_a_named_directory(tmp_path: Path, route: str, target: str, reported: bool) -> None:
    result = audit(tmp_path, {"app/__init__.py": "", "app/main.py": APP.format(route=route, target=target)})
    assert any(f.rule_id == "AS806" for f in result.findings) is reported
