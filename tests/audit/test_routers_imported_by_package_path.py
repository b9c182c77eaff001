"""Routers imported by their package's full dotted path (``from backend.legislation.router import router as
legislation_router``) from a project audited inside that package, where every module's router is named ``router``:
each include names its own module's router, so every route gets the app's dependencies. A router that no app
includes, beside the apps of the project, is no app of its own for the app-level headers rule (AS304)."""

from __future__ import annotations

from pathlib import Path

from tests.audit.helpers import audit

_ROUTER = """\
from fastapi import APIRouter

router = APIRouter(prefix="/{name}")


@router.get("/items/{{item_id}}")
def item(item_id: int):
    return {{"id": item_id}}
"""
_APP = """\
from fastapi import Depends, FastAPI

from backend.legislation.router import router as legislation_router
from backend.stats.router import router as stats_router


def require_key():
    ...


def create_app():
    app = FastAPI(dependencies=[Depends(require_key)])
    app.include_router(legislation_router)
    app.include_router(stats_router)
    return app
"""


def _files() -> dict[str, str]:
    files = {"backend/__init__.py": "", "backend/api/__init__.py": "", "backend/api/app.py": _APP}
    for name in ("caselaw", "legislation", "stats"):
        files[f"backend/{name}/__init__.py"] = ""
        files[f"backend/{name}/router.py"] = _ROUTER.format(name=name)
    return files


def test_each_include_names_its_own_modules_router(tmp_path: Path) -> None:
    result = audit(tmp_path, _files())
    routes = {r.path: r for r in result.routes}
    assert routes["/legislation/items/{item_id}"].protections.get("auth")
    assert routes["/stats/items/{item_id}"].protections.get("auth")
    assert not routes["/caselaw/items/{item_id}"].protections.get("auth")  # included by nothing


def test_a_router_no_app_includes_gets_no_app_level_finding(tmp_path: Path) -> None:
    result = audit(tmp_path, _files())
    anchors = {f.location.path for f in result.findings if f.rule_id == "AS304" and f.location}
    assert anchors == {"backend/api/app.py"}
