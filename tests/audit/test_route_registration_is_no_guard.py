"""``@router.delete(...)`` registers a route; it is the framework's method, not the project's function that happens to
share its last name (a data-layer ``delete`` that refuses with 401 when it has no session). A route registered so,
with no guard of its own, is open; a route that depends on a real guard stays protected."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_STORE = """\
from fastapi import HTTPException


def delete(db, item_id):
    if db is None:
        raise HTTPException(status_code=401, detail="no session")
    db.items.pop(item_id, None)
"""

_APP = """\
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Header

import store

app = FastAPI()
router = APIRouter(prefix="/items")


def current_user(authorization: str = Header(...)):
    if not authorization.startswith("Bearer "):
        raise HTTPException(status_code=401)
    return authorization


@router.delete("/{{item_id}}")
def remove(item_id: int{guard}):
    store.delete(DB, item_id)
    return {{"deleted": item_id}}


app.include_router(router)
DB = {{}}
"""


@pytest.mark.parametrize(("guard", "open_route"), [
    ("", True),  # must fire: nothing guards the route, whatever a helper named ``delete`` does
    (", user=Depends(current_user)", False),  # must stay quiet: a real guard
])
def test_a_routes_registration_method_is_not_a_guard(tmp_path: Path, guard: str, open_route: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(guard=guard), "store.py": _STORE})
    missing = [f for f in result.findings if f.rule_id == "AS101" and f.severity >= Severity.MEDIUM]
    assert bool(missing) is open_route
    assert result.routes and all(r.protections.get("auth") != "@router.delete" for r in result.routes)
