"""A FastAPI parameter declared with an anchored pattern of word characters only (``Path(pattern=r"^[a-z][a-z0-9_]
{1,63}$")``), inline or through a named annotation (``IdType = Annotated[str, Path(pattern=...)]``), is refused by the
framework unless it holds letters, digits, ``_`` or ``-``: no quote, space or separator reaches the SQL it names a
table in. A pattern that admits anything else (``^.+$``, a negated class) proves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''from typing import Annotated

from fastapi import FastAPI, Path
from sqlalchemy import text

from .db import engine

IdType = Annotated[str, Path(pattern=r"{pattern}")]
app = FastAPI()


@app.post("/{{id_type}}/id")
async def issue(id_type: {annotation}):
    async with engine.connect() as conn:
        row = await conn.execute(text(f"SELECT id_value FROM id_pool_{{id_type}} LIMIT 1"))
    return {{"id": row}}
'''


@pytest.mark.parametrize(("pattern", "annotation", "reported"), [
    ("^[a-z][a-z0-9_]{1,63}$", "IdType", False),
    ("^[a-z][a-z0-9_]{1,63}$", 'Annotated[str, Path(pattern=r"^[a-z0-9_-]+$")]', False),
    ("^\\w+$", "IdType", False),
    ("^.+$", "IdType", True),
    ("^[^/]+$", "IdType", True),
    ("^[a-z]+$", "str", True),
])
def test_a_value_held_to_word_characters_names_no_sql(tmp_path: Path, pattern: str, annotation: str,
                                                     reported: bool) -> None:
    files = {"app/__init__.py": "", "app/db.py": "engine = None\n",
             "app/main.py": APP.format(pattern=pattern, annotation=annotation)}
    found = [f for f in audit(tmp_path, files).findings if f.rule_id == "AS801" and f.severity.name in {
        "HIGH", "CRITICAL"}]
    assert bool(found) is reported
