"""A route that exchanges a refresh token for a new access token (``POST /refresh-token/``, ``/auth/refresh_token``)
authenticates by the token it is given, and a registration (``/api/v1/user/registration``) is for callers who have
no account yet, and a sign-up form's check that a user name is free (``GET /user/check/{username}``) reads nothing
else: all public by nature, no medium+ AS101. A route that deletes without any credential is still
reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''
from fastapi import Depends, FastAPI
from pydantic import BaseModel
app = FastAPI()

@app.get("/me")
async def me(user=Depends(get_current_user)):
    return user

class Renew(BaseModel):
    token: str

@app.post("{path}")
async def handler(body: Renew, db=Depends(get_db)):
    return renew_access_token(db, token=body.token)
'''


DELETE = '''
from fastapi import FastAPI
app = FastAPI()

@app.delete("/orders/{order_id}")
async def cancel(order_id: int):
    db.query(Order).filter(Order.id == order_id).delete()
    return {"deleted": order_id}
'''


def _medium_plus_as101(result: object) -> bool:
    return any(f.rule_id == "AS101" and f.severity.name.lower() in ("medium", "high", "critical")
               for f in result.findings)  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["/refresh-token/", "/auth/refresh_token", "/api/v1/user/registration"])
def test_a_refresh_route_is_public_by_nature(tmp_path: Path, path: str) -> None:
    assert not _medium_plus_as101(audit(tmp_path, {"main.py": APP.format(path=path)}))


CHECK = '''
from fastapi import FastAPI
app = FastAPI()

@app.{method}("{path}")
async def {name}(username: str):
    return {{"free": db.get_user(username) is None}}
'''


@pytest.mark.parametrize(("method", "path", "name", "public"), [
    ("get", "/api/v1/user/check/{username}", "check_registration", True),
    ("get", "/users/exists", "lookup", True),
    ("get", "/accounts/{username}", "is_username_available", True),
    ("get", "/users/{username}", "profile", False),  # a user's record, not an availability check
    ("delete", "/user/check/{username}", "check_registration", False),  # not a read
], ids=["check-segment", "exists-segment", "handler-name", "profile", "delete"])
def test_a_sign_up_forms_availability_check_is_public_by_nature(tmp_path: Path, method: str, path: str, name: str,
                                                                  public: bool) -> None:
    source = CHECK.format(method=method, path=path, name=name)
    assert _medium_plus_as101(audit(tmp_path, {"main.py": source})) is not public


def test_a_route_that_deletes_without_credentials_still_fires(tmp_path: Path) -> None:
    result = audit(tmp_path, {"main.py": DELETE})
    assert any(f.rule_id == "AS101" for f in result.findings)
