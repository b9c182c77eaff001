"""A handler parameter FastAPI fills by calling a dependency — ``= Depends(f)``, ``Annotated[T, Depends(f)]`` or a
module alias of such a hint (``ActionsDep = Annotated[Actions, Depends(get_actions)]``) — holds what the dependency
returns, not a value the client sent: formatted into SQL it is no injection (AS801 quiet). A plain parameter is the
client's (must fire)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import audit

_APP = """\
from typing import Annotated

from fastapi import Depends, FastAPI

app = FastAPI()
TableDep = Annotated[str, Depends(configured_table)]


@app.get("/rows")
def rows({param}):
    return db.execute(f"SELECT * FROM {{table}}").fetchall()
"""


@pytest.mark.parametrize(("param", "reported"), [
    ("table: str = Depends(configured_table)", False),  # must stay quiet
    ("table: Annotated[str, Depends(configured_table)]", False),
    ("table: TableDep", False),
    ("table: str", True),  # must fire: a query parameter
])
def test_parameters_filled_by_dependencies_are_not_request_data(tmp_path: Path, param: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(param=param)})
    assert bool([f for f in result.findings if f.rule_id == "AS801" and f.severity.value >= 2]) is reported
