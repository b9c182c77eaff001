"""FastAPI guards reached indirectly: a module-level alias of a dependency (``auth_sample = Permissions.sample``), a
class used as the dependency whose ``__init__`` takes the credentials (``Depends(User)``), and a library's scheme
class named for FastAPI's (``CookieOrHTTPBearer``). Each guards its route; the same route without them is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

AUTH = """from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials
from lims_utils.auth import CookieOrHTTPBearer
auth_scheme = CookieOrHTTPBearer(cookie_key='session')
class Permissions:
    @staticmethod
    def sample(sampleId: int, token: HTTPAuthorizationCredentials = Depends(auth_scheme)) -> int:
        return sampleId
class User:
    def __init__(self, token: HTTPAuthorizationCredentials = Depends(auth_scheme)):
        self.name = token.credentials
"""


def _routes(guard: str) -> str:
    return f"""from fastapi import APIRouter, Depends, FastAPI
from app.auth import Permissions, User, auth_scheme
auth_sample = Permissions.sample
router = APIRouter(prefix='/samples')
SAMPLES = {{}}
@router.delete('/{{sampleId}}')
def delete_sample({guard}):
    SAMPLES.pop(sampleId, None)
    return {{'deleted': True}}
app = FastAPI()
app.include_router(router)
"""


@pytest.mark.parametrize(("guard", "reported"), [
    ("sampleId: int", True),  # must fire: anyone deletes any sample
    ("sampleId=Depends(auth_sample)", False),  # an alias of a dependency that takes the bearer credentials
    ("sampleId: int, user=Depends(User)", False),  # a class whose __init__ takes them
    ("sampleId: int, token=Depends(auth_scheme)", False),  # a library's scheme named for FastAPI's HTTPBearer
])
def test_indirect_fastapi_guards_are_followed(tmp_path: Path, guard: str, reported: bool) -> None:
    files = {"app/__init__.py": "", "app/auth.py": AUTH, "app/routes.py": _routes(guard)}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS101" and f.severity >= Severity.MEDIUM for f in result.findings) is reported
