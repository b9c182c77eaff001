"""``obj.__dict__`` unpacked into a schema or record class (``schemas.LinkResult(**r.__dict__)``) is projected onto
the fields the class declares, not sent whole: no AS107. The same object handed to a responder or a plain ``dict``
is sent with every field (AS107)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import audit

_APP = """\
from fastapi import FastAPI
from flask import jsonify
from app import schemas

app = FastAPI()


@app.get("/links/{{link_id}}")
def read_link(link_id: int):
    result = find_link(link_id)
    return {returned}
"""


@pytest.mark.parametrize(("returned", "reported"), [
    ("schemas.LinkResult(**result.__dict__)", False),  # must stay quiet: the schema keeps its own fields
    ("LinkResult(**vars(result))", False),
    ("jsonify(result.__dict__)", True),  # must fire: every field of the object
    ("dict(**result.__dict__)", True),
    ("JSONResponse(**result.__dict__)", True),  # a responder is no schema
])
def test_objects_projected_onto_a_schema(tmp_path: Path, returned: str, reported: bool) -> None:
    result = audit(tmp_path, {"app/__init__.py": "", "app/schemas.py": "", "app/main.py": _APP.format(
        returned=returned)})
    assert bool([f for f in result.findings if f.rule_id == "AS107"]) is reported
