"""``app.include_router(router, dependencies=router_dependencies)`` where a module-level name holds the list — a list
literal, or what a function of the module returns (appending ``Depends(JWTBearer())`` when the deployment switches
authentication on) — guards every route of the router as the literal list would. A function that puts no
authenticating dependency in its list guards nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

MAIN = '''from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import HTTPBearer

from svc import items
from svc.config import config

app = FastAPI()


class JWTBearer(HTTPBearer):
    async def __call__(self, request: Request):
        credentials = await super().__call__(request)
        if not verify(credentials.credentials):
            raise HTTPException(status_code=403, detail="invalid token")
        return credentials


def log_request(request: Request):
    print(request.url)


{builder}

app.include_router(items.router, dependencies=router_dependencies)
'''

ITEMS = '''from fastapi import APIRouter

router = APIRouter(prefix="/items")


@router.delete("/{item_id}")
def delete_item(item_id: int):
    store.delete(item_id)
'''


@pytest.mark.parametrize(("builder", "reported"), [
    # must stay quiet: the list holds an authenticating dependency
    ("def get_router_dependencies() -> list:\n    dependencies = []\n    if config.auth_enabled:\n"
     "        dependencies.append(Depends(JWTBearer()))\n    return dependencies\n\n\n"
     "router_dependencies = get_router_dependencies()", False),
    ("router_dependencies = [Depends(JWTBearer())]", False),
    # must fire: only a dependency that authenticates nobody
    ("def get_router_dependencies() -> list:\n    return [Depends(log_request)]\n\n\n"
     "router_dependencies = get_router_dependencies()", True),
])
def test_router_dependencies_held_in_a_name(tmp_path: Path, builder: str, reported: bool) -> None:
    files = {"svc/__init__.py": "", "svc/config.py": "config = load()\n", "svc/items.py": ITEMS,
             "svc/main.py": MAIN.format(builder=builder)}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS101" and f.severity.name in ("MEDIUM", "HIGH", "CRITICAL")
               for f in result.findings) is reported
