"""AS603: a credential-looking value in an API schema's documentation example (pydantic ``json_schema_extra`` /
``schema_extra``, ``Body(examples=...)``) is sample data shown in the docs, not a credential the code uses; the
same value in a settings dict is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import audit

_CASES = [
    # must fire: a credential the code uses
    ('DATABASE = {"user": "app", "password": "s3cretpw9"}\n', True),
    # must stay quiet: documentation examples
    ('from pydantic import BaseModel\n\n\nclass SignUp(BaseModel):\n    email: str\n    password: str\n\n'
     '    model_config = {"json_schema_extra": {"example": {"email": "a@b.co", "password": "s3cretpw9"}}}\n', False),
    ('from pydantic import BaseModel\n\n\nclass SignUp(BaseModel):\n    password: str\n\n    class Config:\n'
     '        schema_extra = {"example": {"password": "s3cretpw9"}}\n', False),
    ('from fastapi import Body, FastAPI\napp = FastAPI()\n\n\n@app.post("/users")\n'
     'def create(user: dict = Body(examples={"normal": {"value": {"password": "s3cretpw9"}}})):\n'
     '    return save(user)\n', False),
]


@pytest.mark.parametrize(("source", "reported"), _CASES)
def test_a_schema_example_is_not_a_hard_coded_credential(tmp_path: Path, source: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS603" for f in result.findings) is reported
