"""An object looked up within a parent (``Image.item_id == item.id``) that a FastAPI dependency loaded and checked
against the caller is the caller's own (AS102 stays quiet), whether the dependency sits in the handler's module or
in another. The finding stays when the dependency only loads the parent (a 404 for a missing one checks nobody) and
when the child is loaded by its id alone, whatever the dependency checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_DEPS = """\
from fastapi import Depends, HTTPException
from sqlalchemy import select

from .auth import current_user, get_session
from .models import Item


async def get_user_item(item_id: str, user=Depends(current_user), session=Depends(get_session)) -> Item:
    stmt = select(Item).where(Item.id == item_id, Item.user_id == user.id)
    item = (await session.execute(stmt)).scalar_one_or_none()
    if not item:
        raise HTTPException(status_code=404, detail="Item not found")
    return item


async def get_any_item(item_id: str, session=Depends(get_session)) -> Item:
    item = await session.get(Item, item_id)
    if not item:
        raise HTTPException(status_code=404, detail="Item not found")
    return item
"""

_ROUTES = """\
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import select

from .auth import current_user, get_session
from .models import Image
{imports}
app = FastAPI()
router = APIRouter(prefix="/items/{{item_id}}/images", dependencies=[Depends(current_user)])


@router.delete("/{{image_id}}")
async def delete_image(image_id: str, item=Depends({dependency}), session=Depends(get_session)):
{lookup}    await session.delete(image)


app.include_router(router)
"""

_WITHIN = ("    stmt = select(Image).where(Image.id == image_id, Image.item_id == item.id)\n"
           "    image = (await session.execute(stmt)).scalar_one_or_none()\n")
_BY_ID = "    image = await session.get(Image, image_id)\n"

_MODELS = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[str] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column()


class Image(Base):
    __tablename__ = "images"
    id: Mapped[str] = mapped_column(primary_key=True)
    item_id: Mapped[str] = mapped_column()
    user_id: Mapped[str] = mapped_column()
"""


def _as102(root: Path, dependency: str, lookup: str, same_module: bool) -> list[int]:
    if same_module:
        routes = _DEPS + "\n\n" + _ROUTES.format(imports="", dependency=dependency, lookup=lookup)
        files = {"app/routes.py": routes}
    else:
        routes = _ROUTES.format(imports=f"from .deps import {dependency}\n", dependency=dependency, lookup=lookup)
        files = {"app/routes.py": routes, "app/deps.py": _DEPS}
    files |= {"app/__init__.py": "", "app/models.py": _MODELS,
              "app/auth.py": "def current_user():\n    ...\n\n\ndef get_session():\n    ...\n"}
    return lines_of(audit(root, files), "AS102")


@pytest.mark.parametrize("same_module", [True, False])
def test_a_child_found_within_a_parent_the_caller_owns_is_quiet(tmp_path: Path, same_module: bool) -> None:
    assert _as102(tmp_path, "get_user_item", _WITHIN, same_module) == []


@pytest.mark.parametrize("same_module", [True, False])
@pytest.mark.parametrize(("dependency", "lookup"), [
    ("get_any_item", _WITHIN),  # the parent is only loaded: a 404 for a missing item checks nobody
    ("get_user_item", _BY_ID),  # the image is loaded by its own id, not within the checked item
])
def test_a_child_not_tied_to_a_checked_parent_is_reported(
        tmp_path: Path, dependency: str, lookup: str, same_module: bool) -> None:
    assert len(_as102(tmp_path, dependency, lookup, same_module)) == 1
