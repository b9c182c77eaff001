"""A request schema filled from the body (pydantic, a dataclass, marshmallow) is the allow-list, not mass
assignment (AS106); filling a stored model, storing the object built, or copying a schema with privileged fields
onto a record is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_SCHEMAS = ("from dataclasses import dataclass\nfrom pydantic import BaseModel\n"
            "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n"
            "class Login(BaseModel):\n    name: str\n    password: str\n"
            "@dataclass\nclass Search:\n    term: str\n"
            "class User(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n")


def _as106(root: Path, body: str, schemas_module: bool = False) -> int:
    head = "from flask import Flask, request\n"
    head += "from schemas import Login, Search, User, db\n" if schemas_module else _SCHEMAS
    files = {"app.py": head + "app = Flask(__name__)\n@app.route('/x', methods=['POST'])\ndef x():\n"
             + "".join(f"    {line}\n" for line in body.splitlines()) + "    return 'ok'\n"}
    if schemas_module:
        files["schemas.py"] = _SCHEMAS
    result = audit(root, files)
    return sum(1 for f in result.findings if f.rule_id == "AS106")


@pytest.mark.parametrize("schemas_module", [False, True])
@pytest.mark.parametrize("body", [
    "data = Login(**request.json)\nprint(data.name)",
    "q = Search(**request.args)\nprint(q.term)",
])
def test_a_request_schema_filled_from_the_body_is_not_mass_assignment(tmp_path: Path, body: str,
                                                                     schemas_module: bool) -> None:
    assert _as106(tmp_path, body, schemas_module) == 0


@pytest.mark.parametrize("schemas_module", [False, True])
@pytest.mark.parametrize("body", [
    "user = User(**request.json)\ndb.session.add(user)",
    "data = Login(**request.json)\ndb.session.add(data)",
    "db.session.add(User(**request.json))",
])
def test_a_stored_object_filled_from_the_body_is_mass_assignment(tmp_path: Path, body: str,
                                                                 schemas_module: bool) -> None:
    assert _as106(tmp_path, body, schemas_module) == 1


_FASTAPI = ("from fastapi import FastAPI\nfrom schemas import {cls}\napp = FastAPI()\n"
            "@app.patch('/users/{{user_id}}')\ndef update(user_id: int, body: {cls}):\n"
            "    user = db.get(user_id)\n    data = body.model_dump(exclude_unset=True)\n"
            "    for field, value in data.items():\n        setattr(user, field, value)\n    db.commit()\n")


@pytest.mark.parametrize(("fields", "reported"), [
    ("    name: str | None = None\n    role: str | None = None\n", True),
    ("    name: str | None = None\n    email: str | None = None\n", False),
])
def test_copying_every_schema_field_onto_a_record_is_mass_assignment_when_one_is_privileged(
        tmp_path: Path, fields: str, reported: bool) -> None:
    files = {"app.py": _FASTAPI.format(cls="UserUpdate"),
             "schemas.py": "from pydantic import BaseModel\nclass UserUpdate(BaseModel):\n" + fields}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS106" for f in result.findings) is reported


@pytest.mark.parametrize(("call", "reported"), [
    ("schemas.RecordCreateSerializer(**request.json).model_dump()", 0),  # a schema another module defines
    ("models.Record(**request.json)", 1),  # a class whose name says nothing of a schema: still reported
])
def test_a_schema_named_through_its_module(tmp_path: Path, call: str, reported: int) -> None:
    files = {"app.py": "from flask import Flask, request\nimport schemas, models\napp = Flask(__name__)\n"
                       "@app.route('/x', methods=['POST'])\ndef x():\n"
                       f"    record = {call}\n    models.db.session.add(record)\n    return 'ok'\n",
             "schemas.py": "from pydantic import BaseModel\nclass RecordCreateSerializer(BaseModel):\n    title: str\n",
             "models.py": "db = None\nclass Record:\n    pass\n"}
    result = audit(tmp_path, files)
    assert sum(1 for f in result.findings if f.rule_id == "AS106") == reported
