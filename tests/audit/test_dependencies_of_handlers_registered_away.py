"""A FastAPI handler registered in another module (``app.router.add_api_route(path, endpoints.get_job)``) is guarded
by the dependencies its own signature declares, as under a route decorator, also when the dependency is wrapped by a
decorator (``Depends(exception_logger(auth.get_auth_info))``: the wrapper runs the function it is given). Without
such a dependency the route is reported (AS101)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_AUTH = """\
import fastapi


def get_auth_info(pat: str | None = fastapi.Header(None, alias="PRIVATE-TOKEN")):
    if pat is None:
        raise fastapi.HTTPException(status_code=401, detail="authentication required")
    return {"user": pat}
"""
_LOGS = """\
import functools


def exception_logger(f):
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return f(*args, **kwargs)
    return wrapper
"""
_ENDPOINTS = """\
import fastapi

import auth
import logs


def get_job_receipt(job_id: str{param}):
    return {{"job": job_id, "receipt": "private"}}
"""
_MAIN = """\
import fastapi

import endpoints

app = fastapi.FastAPI()
app.router.add_api_route("/jobs/{job_id}/receipt", endpoints.get_job_receipt, methods=["GET"])
"""


@pytest.mark.parametrize(("param", "guarded"), [
    (", auth_info=fastapi.Depends(auth.get_auth_info)", True),
    (", auth_info=fastapi.Depends(logs.exception_logger(auth.get_auth_info))", True),
    ("", False),
])
def test_a_handler_registered_away_keeps_its_own_dependencies(tmp_path: Path, param: str, guarded: bool) -> None:
    result = audit(tmp_path, {"auth.py": _AUTH, "logs.py": _LOGS, "endpoints.py": _ENDPOINTS.format(param=param),
                              "main.py": _MAIN})
    assert (lines_of(result, "AS101") == []) is guarded
