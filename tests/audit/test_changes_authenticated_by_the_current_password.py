"""A change that acts only once the account's current password, posted with the request, checks out is
authenticated by that password (AS101 lists it at low); the reset flow's token check is a recovery step (its caller
cannot sign in). The same change without the current password, or a token check outside any reset, is reported as
an open write."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from fastapi import APIRouter, Depends, FastAPI, HTTPException
from pydantic import BaseModel
from auth import current_user
from models import User, db
app = FastAPI()
router = APIRouter()
class Change(BaseModel):
    username: str
    old_password: str = ""
    new_password: str
    token: str = ""
@router.get("/me")
def me(user=Depends(current_user)):
    return user
{route}
app.include_router(router)
"""


@pytest.mark.parametrize(("route", "medium"), [
    # must fire: anyone sets anyone's password
    ("@router.post('/change-password')\ndef change_password(body: Change):\n"
     "    user = db.query(User).filter_by(username=body.username).first()\n"
     "    user.password_hash = hash_pw(body.new_password)\n    db.commit()\n    return {'ok': True}\n", True),
    # must stay quiet (low): the current password is the credential
    ("@router.post('/change-password')\ndef change_password(body: Change):\n"
     "    user = db.query(User).filter_by(username=body.username).first()\n"
     "    if not user or not verify(body.old_password, user.password_hash):\n"
     "        return {'error': 'wrong password'}\n"
     "    user.password_hash = hash_pw(body.new_password)\n    db.commit()\n    return {'ok': True}\n", False),
    # must fire: a whole profile update that asks the current password only when the password itself changes
    ("@router.patch('/users/{uid}')\ndef update_user(uid: int, body: Change):\n"
     "    user = db.get(User, uid)\n    user.username = body.username\n"
     "    if body.new_password:\n        if not verify(body.old_password, user.password_hash):\n"
     "            raise HTTPException(400)\n        user.password_hash = hash_pw(body.new_password)\n"
     "    db.commit()\n    return {'ok': True}\n", True),
    # must stay quiet (low): the reset flow's check of the mailed token
    ("@router.post('/verify-token')\ndef verify_token(body: Change):\n"
     "    user = db.query(User).filter_by(reset_token=body.token).first()\n"
     "    return {'username': user.username if user else None}\n", False),
])
def test_a_change_the_current_password_authenticates(tmp_path: Path, route: str, medium: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(route=route)})
    path = route.split("'")[1]
    hits = [f for f in result.findings if f.rule_id == "AS101" and f" {path} (" in f.message]
    assert any(f.severity >= Severity.MEDIUM for f in hits) is medium
