"""A router prefix or a route path given by a module-level constant (``APIRouter(prefix=ROUTER_PREFIX)``,
``Blueprint(url_prefix=API + "/notes")``, ``@router.get(ITEM_PATH)``, an f-string of constants) is the constant's
text in the route inventory, as a literal would be: the rules that read a route's path (a sign-up is a ``POST`` to
the users collection) see the path the framework serves. A path computed at run time stays unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

FASTAPI = '''
from fastapi import APIRouter, FastAPI

API = "/api"
ROUTER_PREFIX = {prefix}
ITEM = "/{{item_id}}"

router = APIRouter(prefix=ROUTER_PREFIX)


@router.get(ITEM)
async def read_item(item_id: int):
    return {{"id": item_id}}


app = FastAPI()
app.include_router(router)
'''

FLASK = '''
from flask import Blueprint, Flask

API = "/api"
PREFIX = {prefix}

bp = Blueprint("items", __name__, url_prefix=PREFIX)


@bp.route("/<int:item_id>")
def read_item(item_id):
    return {{"id": item_id}}


app = Flask(__name__)
app.register_blueprint(bp)
'''


@pytest.mark.parametrize("source", [FASTAPI, FLASK], ids=["fastapi", "flask"])
@pytest.mark.parametrize(("prefix", "expected"), [
    ('"/api/items"', "/api/items/"),
    ('API + "/items"', "/api/items/"),
    ('f"{API}/items"', "/api/items/"),
])
def test_a_prefix_named_by_a_constant_is_its_text(tmp_path: Path, source: str, prefix: str, expected: str) -> None:
    result = audit(tmp_path, {"app.py": source.format(prefix=prefix)})
    paths = {r.path for r in result.routes}
    assert any(p.startswith(expected) and "item_id" in p for p in paths), paths


def test_a_prefix_computed_at_run_time_is_not_guessed(tmp_path: Path) -> None:
    result = audit(tmp_path, {"app.py": FASTAPI.format(prefix='os.environ["PREFIX"]')})
    assert not any(r.path.startswith("/api/items") for r in result.routes)


def test_a_sign_up_under_a_constant_prefix_is_public_by_nature(tmp_path: Path) -> None:
    """``POST`` to the users collection creates an account for the caller: at most low, as with a literal prefix."""
    files = {"app.py": '''
import jwt
from fastapi import APIRouter, Depends, FastAPI
from fastapi.security import OAuth2PasswordBearer

USERS = "/api/users"
oauth2 = OAuth2PasswordBearer(tokenUrl="/api/auth/token")
router = APIRouter(prefix=USERS)


async def get_current_user(token: str = Depends(oauth2)):
    return jwt.decode(token, KEY, algorithms=["HS256"])


@router.post("")
async def create_new_user(data: dict):
    return await service.create_new_user(data)


@router.get("/me")
async def me(user: dict = Depends(get_current_user)):
    return user


app = FastAPI()
app.include_router(router)
'''}
    result = audit(tmp_path, files)
    assert not [f for f in result.findings if f.rule_id == "AS101" and f.severity >= Severity.MEDIUM]
