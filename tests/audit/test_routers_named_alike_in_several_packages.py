"""Several packages each with a module ``api.py`` defining ``router`` (Django Ninja, FastAPI): the router a parent
includes under an alias (``from budget_accounts.api import router as budget_accounts_router``) is the one of the
module its dotted path names, so each router's routes carry their own prefix."""

from __future__ import annotations

from pathlib import Path

from tests.audit.helpers import audit

_ROUTER = ("from fastapi import APIRouter\nrouter = APIRouter()\n"
           "@router.{verb}('{path}')\ndef {name}():\n    return {{}}\n")


def test_each_aliased_router_keeps_its_own_prefix(tmp_path: Path) -> None:
    files = {
        "auth/__init__.py": "", "budget_accounts/__init__.py": "",
        "auth/api.py": _ROUTER.format(verb="post", path="/login", name="login"),
        "budget_accounts/api.py": _ROUTER.format(verb="post", path="", name="create_budget_account"),
        "main.py": ("from fastapi import FastAPI\nfrom auth.api import router as auth_router\n"
                    "from budget_accounts.api import router as budget_accounts_router\napp = FastAPI()\n"
                    "app.include_router(auth_router, prefix='/auth')\n"
                    "app.include_router(budget_accounts_router, prefix='/budget-accounts')\n"),
    }
    result = audit(tmp_path, files)
    paths = {(r.path, r.handler) for r in result.routes}
    assert ("/budget-accounts", "create_budget_account") in paths
    assert ("/auth/login", "login") in paths
