"""A SQLAlchemy statement (``select(Item)``, a model's ``select_…`` helper) kept in a name and refined step by
step (``stmt = stmt.where(col.ilike(pattern))``) binds every value it is given, as the same chain written in one
expression does: a ``LIKE`` pattern formatted from request data is a bound parameter, not SQL text (AS801 quiet).
SQL text formatted from request data and handed to ``text()`` is still injection."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_APP = """\
from fastapi import Depends, FastAPI
from sqlalchemy import or_, select, text

from .db import Item, get_session

app = FastAPI()


@app.get("/items")
async def items(search: str | None = None, session=Depends(get_session)):
{body}
    result = await session.execute(stmt)
    return result.scalars().all()
"""


def _as801(root: Path, body: str) -> list[int]:
    files = {"app/__init__.py": "", "app/db.py": "Item = None\n\n\ndef get_session():\n    ...\n",
             "app/main.py": _APP.format(body=body)}
    return lines_of(audit(root, files), "AS801")


def test_a_like_pattern_bound_through_a_refined_statement_is_no_injection(tmp_path: Path) -> None:
    body = ("    stmt = select(Item).where(Item.user_id == 1)\n"
            "    if search is not None:\n"
            "        term = f'%{search}%'\n"
            "        stmt = stmt.where(or_(Item.name.ilike(term), Item.notes.ilike(term)))\n"
            "    stmt = stmt.order_by(Item.created_at.desc())")
    assert _as801(tmp_path, body) == []


@pytest.mark.parametrize("start", ["select(Item)", "Item.select_related()"])
@pytest.mark.parametrize("refine", ["stmt.where(Item.name.contains(search))", "stmt.filter_by(name=search)",
                                    "stmt.filter(Item.owner.has(name=search))"])
def test_a_statement_started_apart_and_refined_later_binds_its_values(tmp_path: Path, start: str, refine: str) -> None:
    body = f"    stmt = {start}\n    if search is not None:\n        stmt = {refine}"
    assert _as801(tmp_path, body) == []


def test_sql_text_formatted_from_the_request_is_still_injection(tmp_path: Path) -> None:
    body = "    stmt = text(f\"SELECT * FROM items WHERE name LIKE '%{search}%'\")"
    assert _as801(tmp_path, body) != []
