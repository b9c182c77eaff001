"""A comparison inside a request schema's validator (pydantic, marshmallow) compares two fields the caller typed
(a new password and its confirmation): nothing to learn by timing, no AS606. The same comparison against a stored
secret outside a validator is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_PYDANTIC_V2 = """
from pydantic import BaseModel, ValidationInfo, field_validator

class PasswordChange(BaseModel):
    new_password: str
    confirm_new_password: str

    @field_validator("confirm_new_password", mode="after")
    @classmethod
    def check_match(cls, value: str, info: ValidationInfo) -> str:
        if value != info.data["new_password"]:
            raise ValueError("passwords differ")
        return value
"""

_MARSHMALLOW = """
from marshmallow import Schema, ValidationError, fields, validates_schema

class Signup(Schema):
    secret = fields.Str()
    secret_again = fields.Str()

    @validates_schema
    def same(self, data, **kwargs):
        if data["secret"] != data["secret_again"]:
            raise ValidationError("secrets differ")
"""

_OUTSIDE = """
import os
from flask import Flask, request, abort

app = Flask(__name__)

@app.get("/hook")
def hook():
    if request.headers.get("X-Token") != os.environ["HOOK_TOKEN"]:
        abort(403)
    return "ok"
"""


@pytest.mark.parametrize(("source", "reported"), [(_PYDANTIC_V2, False), (_MARSHMALLOW, False), (_OUTSIDE, True)],
                         ids=["pydantic-field-validator", "marshmallow-validates-schema", "route-handler"])
def test_fields_of_one_request_compared_in_a_validator_are_not_timed(tmp_path: Path, source: str,
                                                                      reported: bool) -> None:
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS606" for f in result.findings) is reported

