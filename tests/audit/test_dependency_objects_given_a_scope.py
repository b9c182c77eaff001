"""A dependency object built with the scope or role it admits (``AuthenticateWrite(require_scope="admin:token")``,
``Checker(required_permissions=["admin"])``) whose class compares the caller's token with what it was given (in a
method its ``__call__`` reaches) is a role check: an admin-only route that takes it is neither a privileged route
checking only authentication (AS103) nor an unchecked object access (AS102) at medium or above. The same class built
without a scope (or with ``None``) only authenticates, and the route is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_DEPS = '''
from fastapi import Depends, HTTPException
from fastapi.security import HTTPBearer

bearer = HTTPBearer()


class Authenticate:
    def __init__(self, require_scope=None, required_permissions=None):
        self.require_scope = require_scope
        self.required_permissions = required_permissions

    async def authenticate(self, credentials):
        data = await verify(credentials.credentials)
        if self.require_scope and self.require_scope not in data.scopes:
            raise HTTPException(status_code=403, detail="missing scope")
        return data


class AuthenticateWrite(Authenticate):
    async def __call__(self, credentials=Depends(bearer)):
        return await self.authenticate(credentials)
'''

_ROUTES = '''
from fastapi import APIRouter, Depends
from .deps import AuthenticateWrite

router = APIRouter()
authenticate_admin_write = AuthenticateWrite({arguments})


@router.delete("/admin/users/{{user_id}}")
async def delete_user(user_id: int, auth=Depends(authenticate_admin_write)):
    return await remove_user(user_id)
'''


@pytest.mark.parametrize(("arguments", "reported"), [
    # must stay quiet: the object is given the scope or permissions it admits
    ('require_scope="admin:token"', False),
    ('required_permissions=["admin"]', False),
    # must fire: built without any, it only authenticates
    ("", True),
    ("require_scope=None", True),
])
def test_a_dependency_object_given_a_scope_checks_it(tmp_path: Path, arguments: str, reported: bool) -> None:
    files = {"pkg/__init__.py": "", "pkg/deps.py": _DEPS, "pkg/routes.py": _ROUTES.format(arguments=arguments)}
    result = audit(tmp_path, files)
    found = {f.rule_id for f in result.findings if f.rule_id in {"AS102", "AS103"} and f.severity >= Severity.MEDIUM}
    assert bool(found) is reported
