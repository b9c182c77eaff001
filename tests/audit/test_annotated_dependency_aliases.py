"""FastAPI's recommended ``Annotated`` dependency alias (``AdminUser = Annotated[User, Depends(get_admin)]``, defined
in the module or imported from another) used as a parameter type is the dependency itself: when ``get_admin``
authenticates and checks the admin role, an admin route guarded by the alias is neither unauthenticated (AS101)
nor missing its role check (AS103); an alias to a dependency that only authenticates still leaves the role
unchecked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_DEPS = '''
from typing import Annotated
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]):
    user = lookup(token)
    if user is None:
        raise HTTPException(status_code=401)
    return user


def get_current_admin_user(current_user: Annotated[dict, Depends(get_current_user)]):
    if current_user.role != "admin":
        raise HTTPException(status_code=403)
    return current_user


CurrentUserDependency = Annotated[dict, Depends(get_current_user)]
CurrentAdminUserDependency = Annotated[dict, Depends(get_current_admin_user)]
'''

_ROUTES = '''
from fastapi import APIRouter, FastAPI
from deps import {alias}

app = FastAPI()
router = APIRouter()


@router.delete("/admin/users/{{user_id}}")
def delete_user(_: {alias}, user_id: int):
    remove_user(user_id)
    return {{"deleted": user_id}}


app.include_router(router)
'''


@pytest.mark.parametrize(("alias", "role_reported"), [
    ("CurrentAdminUserDependency", False),
    ("CurrentUserDependency", True),
])
def test_an_imported_annotated_alias_carries_its_dependencys_role_check(
        tmp_path: Path, alias: str, role_reported: bool) -> None:
    result = audit(tmp_path, {"deps.py": _DEPS, "routes.py": _ROUTES.format(alias=alias)})
    found = {f.rule_id for f in result.findings}
    assert "AS101" not in found
    assert ("AS103" in found) is role_reported


def test_a_module_level_annotated_alias_carries_its_dependencys_role_check(tmp_path: Path) -> None:
    source = _DEPS + _ROUTES.format(alias="CurrentAdminUserDependency").replace(
        "from deps import CurrentAdminUserDependency\n", "")
    result = audit(tmp_path, {"app.py": source})
    assert not {"AS101", "AS103"} & {f.rule_id for f in result.findings}
