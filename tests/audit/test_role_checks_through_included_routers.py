"""A role check installed on a parent router (``APIRouter(dependencies=[Depends(RoleChecker(["ADMIN"]))])``, or on
``include_router(sub, dependencies=[...])``) guards every route of the routers it includes, as authentication
does: a delete by id on an included users router is then neither a missing role check (AS103) nor an
unchecked object access (AS102) at medium or above, however many dependencies stand between the role check and
the bearer scheme (a class-based checker taking a ``CurrentUser`` alias of a user loader that takes a bearer
subclass). Without the role check the included route is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_DEPS = '''
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPBearer


class TokenBearer(HTTPBearer):
    async def __call__(self, request: Request):
        credentials = await super().__call__(request)
        return decode(credentials.credentials)


class AccessTokenBearer(TokenBearer):
    pass


class GetCurrentUser:
    async def __call__(self, token_details: dict = Depends(AccessTokenBearer())):
        return await find_user(token_details["user"]["email"])


CurrentUser = Annotated[dict, Depends(GetCurrentUser())]


class RoleChecker:
    def __init__(self, allowed_roles):
        self.allowed_roles = allowed_roles

    def __call__(self, current_user: CurrentUser):
        if current_user.role.upper() in self.allowed_roles:
            return True
        raise InsufficientPermission()
'''

_USERS = '''
from fastapi import APIRouter

router = APIRouter()


@router.delete("/{id}")
async def delete_user(id: int):
    return await remove_user(id)
'''

_ADMIN = '''
from fastapi import APIRouter, Depends
from deps import AccessTokenBearer, RoleChecker
import users

admin_role_checker = Depends(RoleChecker(["ADMIN"]))
token_middleware = Depends(AccessTokenBearer())

router = APIRouter(dependencies={parent_deps})
router.include_router(users.router, prefix="/users"{include_deps})
'''

_MAIN = '''
from fastapi import FastAPI
import admin

app = FastAPI()
app.include_router(admin.router, prefix="/admin")
'''


@pytest.mark.parametrize(("parent_deps", "include_deps", "reported"), [
    ("[token_middleware, admin_role_checker]", "", False),
    ("[token_middleware]", ", dependencies=[Depends(RoleChecker(['ADMIN']))]", False),
    ("[token_middleware]", "", True),
], ids=["role-on-parent-router", "role-on-include", "authentication-only"])
def test_role_checks_flow_into_included_routers(tmp_path: Path, parent_deps: str, include_deps: str,
                                                 reported: bool) -> None:
    result = audit(tmp_path, {"deps.py": _DEPS, "users.py": _USERS, "main.py": _MAIN,
                              "admin.py": _ADMIN.format(parent_deps=parent_deps, include_deps=include_deps)})
    access = [f for f in result.findings if f.rule_id in {"AS102", "AS103"} and f.severity >= Severity.MEDIUM]
    assert not any(f.rule_id == "AS101" for f in result.findings)
    assert bool(access) is reported
