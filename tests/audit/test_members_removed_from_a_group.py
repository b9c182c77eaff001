"""AS103 for a DELETE of users: deleting an account (``DELETE /users/{id}``) is privileged and needs a role check;
taking a member out of an object the caller belongs to (``DELETE /groups/{group_id}/users/{user_id}``) removes a
membership, not an account, and is not reported for want of a role."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """\
from fastapi import APIRouter, Depends, FastAPI

app = FastAPI()
router = APIRouter(prefix="/{prefix}")


def current_user(token: str = Depends(bearer)):
    return decode(token)


@router.delete("{path}", status_code=204)
async def remove(user_id: int, group_id: int = 0, user=Depends(current_user)):
    await service.remove(user, group_id, user_id)


app.include_router(router)
"""


@pytest.mark.parametrize(("prefix", "path", "reported"), [
    ("users", "/{user_id}", True),
    ("admin", "/users/{user_id}", True),
    ("groups", "/{group_id}/users/{user_id}", False),
    ("teams", "/{group_id}/members/users/{user_id}", False),
])
def test_deleting_users_is_privileged_unless_they_leave_an_object(tmp_path: Path, prefix: str, path: str,
                                                                  reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.replace("{prefix}", prefix).replace("{path}", path)})
    assert any(f.rule_id == "AS103" for f in result.findings) is reported
