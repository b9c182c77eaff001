"""An authentication middleware class of the project's own (Starlette's ``BaseHTTPMiddleware`` with a ``dispatch``
that answers 401 without a session) guards every route of the app but the paths it lets through unchecked
(``if any(path.startswith(p) for p in PUBLIC_PREFIXES): return await call_next(request)``), wherever the class is
defined and whatever router prefix puts a route under such a path: a route there is unauthenticated (AS101), a
route elsewhere is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_GATE = '''\
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse

PUBLIC_PREFIXES = ("/login", "/health"{public})


class AuthGate(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        path = request.url.path
        if any(path.startswith(p) for p in PUBLIC_PREFIXES):
            return await call_next(request)
        if not request.session.get("user_id"):
            return JSONResponse({{"error": "Authentication required"}}, status_code=401)
        return await call_next(request)
'''

_APP = '''\
from fastapi import APIRouter, FastAPI
{import_gate}

app = FastAPI()
app.add_middleware(AuthGate)
orders = APIRouter(prefix="/api/orders")
catalog = APIRouter(prefix="/api/catalog")


@orders.delete("/{{order_id}}")
def delete_order(order_id: int):
    return {{"deleted": order_id}}


@catalog.delete("/{{item_id}}")
def delete_item(item_id: int):
    return {{"deleted": item_id}}


app.include_router(orders)
app.include_router(catalog)
'''


def _line(source: str, text: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if text in line)


@pytest.mark.parametrize("elsewhere", [True, False], ids=["gate-in-its-own-module", "gate-in-the-app-module"])
@pytest.mark.parametrize("catalog_public", [True, False])
def test_a_route_under_a_path_the_gate_lets_through_is_unauthenticated(tmp_path: Path, elsewhere: bool,
                                                                       catalog_public: bool) -> None:
    gate = _GATE.format(public=', "/api/catalog"' if catalog_public else "")
    if elsewhere:
        app = _APP.format(import_gate="from gate import AuthGate")
        files = {"gate.py": gate, "main.py": app}
    else:
        app = _APP.format(import_gate=gate)
        files = {"main.py": app}
    found = set(lines_of(audit(tmp_path, files), "AS101"))
    assert found == ({_line(app, "@catalog.delete")} if catalog_public else set())
