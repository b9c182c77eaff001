"""Exception text and unbounded page sizes matter when an attacker is the caller: in the handler of a route that only
callers passing a role check reach (an administrator's route), the diagnostic goes to someone the application trusts
with the role, so the finding stays, low. A route that only signs the caller in keeps it at medium."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
import httpx
from fastapi import Depends, FastAPI, HTTPException, Query

app = FastAPI()


async def current_user(token: str = Query(...)):
    user = await load_user(token)
    if user is None:
        raise HTTPException(status_code=401)
    return user


async def check_admin(user=Depends(current_user)):
    if not user.admin:
        raise HTTPException(status_code=403, detail="admins only")
    return user


async def load_user(token):
    return None


@app.post("/extensions/{{ext_id}}/install")
async def install(ext_id: str, limit: int = Query(None), user=Depends({guard})):
    rows = await fetch_rows(limit)
    try:
        await httpx.AsyncClient().get("https://example.org/" + ext_id)
    except Exception as exc:
        raise HTTPException(status_code=500, detail=str(exc)) from exc
    return rows


async def fetch_rows(limit):
    return []
"""


@pytest.mark.parametrize(("guard", "medium"), [
    ("check_admin", False),  # must stay quiet at medium: only administrators see the error text
    ("current_user", True),  # must fire: any signed-in user sees it
])
def test_error_text_on_an_administrators_route_is_low(tmp_path: Path, guard: str, medium: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(guard=guard)})
    hits = [f for f in result.findings if f.rule_id == "AS307"]
    assert hits, "the exception text is reported either way"
    assert any(f.severity >= Severity.MEDIUM for f in hits) is medium
    if not medium:
        assert all("reach it" in f.message for f in hits)
