"""A dependency an authentication library's factory makes is authentication: fastapi-users'
``current_superuser = fastapi_users.current_user(active=True, superuser=True)`` bound in one module and used as
``Depends(current_superuser)`` in another guards the route (AS101 quiet) and admits only superusers (a role, so the
route is administrative by design). The same factory asked for an optional user, or a factory of another kind,
guards nothing (AS101 fires)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import audit

_USERS = """\
from fastapi_users import FastAPIUsers
fastapi_users = FastAPIUsers(get_user_manager, [auth_backend])
{binding}
"""
_ROUTES = """\
from fastapi import APIRouter, Depends, FastAPI
from app.users import guard
app = FastAPI()
router = APIRouter()


@router.delete("/jobs/{{job_id}}/")
async def delete_job(job_id: int, user=Depends(guard)):
    return await remove(job_id)


app.include_router(router, prefix="/admin")
"""


@pytest.mark.parametrize(("binding", "guarded"), [
    ("guard = fastapi_users.current_user(active=True, superuser=True)", True),
    ("guard = fastapi_users.current_user(active=True)", True),
    ("guard = fastapi_users.current_user(optional=True)", False),
    ("guard = make_pagination(size=20)", False),
])
def test_a_dependency_made_by_an_authentication_factory_guards_the_route(tmp_path: Path, binding: str,
                                                                         guarded: bool) -> None:
    result = audit(tmp_path, {"app/__init__.py": "", "app/users.py": _USERS.format(binding=binding),
                              "app/main.py": _ROUTES.format()})
    unguarded = [f for f in result.findings if f.rule_id == "AS101"]
    assert (not unguarded) is guarded
