"""A guard whose branch calls a helper of the module that always raises (``raise_bad_request("outside")``) ends the
request as ``raise`` does: a path confined by ``resolve().is_relative_to(root)`` before it is served is safe. A helper
that only logs, or raises on one branch only, ends nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''import logging
from pathlib import Path
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

app = FastAPI()
OUT = Path("/srv/out")


def refuse(message):
{helper}


@app.get("/files")
def get_file(path: str):
    file_path = OUT.joinpath(path).resolve()
    if not file_path.is_relative_to(OUT):
        refuse("outside the outputs")
    return FileResponse(file_path)
'''


@pytest.mark.parametrize(("helper", "reported"), [
    # must stay quiet: the helper raises on every path
    ('    raise HTTPException(status_code=400, detail=message)', False),
    ('    """Answer 400."""\n    if message:\n        raise HTTPException(400, message)\n    else:\n'
     '        raise HTTPException(400)', False),
    # must fire: the helper logs, or raises on one branch only
    ('    logging.warning(message)', True),
    ('    if message.startswith("x"):\n        raise HTTPException(400, message)', True),
])
def test_a_helper_that_always_raises_ends_the_guard(tmp_path: Path, helper: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": APP.format(helper=helper)})
    assert any(f.rule_id == "AS806" and f.severity.name in ("MEDIUM", "HIGH", "CRITICAL")
               for f in result.findings) is reported


ERRORS = '''from typing import NoReturn
from fastapi import HTTPException


def refuse(message: str) -> NoReturn:
    raise HTTPException(status_code=400, detail=message)


def note(message: str) -> None:
    print(message)
'''

ROUTES = '''from pathlib import Path
from fastapi import FastAPI
from fastapi.responses import FileResponse
from {module} import {helper}

app = FastAPI()
OUT = Path("/srv/out")


@app.get("/files")
def get_file(path: str):
    file_path = OUT.joinpath(path).resolve()
    if not file_path.is_relative_to(OUT):
        {helper}("outside the outputs")
    return FileResponse(file_path)
'''


@pytest.mark.parametrize(("module", "helper", "reported"), [
    ("svc.errors", "refuse", False),  # must stay quiet: an imported helper that never returns
    (".errors", "refuse", False),
    ("svc.errors", "note", True),  # must fire: an imported helper that returns
])
def test_an_imported_helper_that_never_returns_ends_the_guard(tmp_path: Path, module: str, helper: str,
                                                               reported: bool) -> None:
    files = {"svc/__init__.py": "", "svc/errors.py": ERRORS,
             "svc/routes.py": ROUTES.format(module=module, helper=helper)}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS806" and f.severity.name in ("MEDIUM", "HIGH", "CRITICAL")
               for f in result.findings) is reported
