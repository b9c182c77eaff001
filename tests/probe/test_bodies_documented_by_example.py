"""A request body documented only by an example object (``type: object`` with ``example: {username: ..., password:
...}``, as Postman exports write it) has the example's fields: the probe sends them, and an operation that creates
accounts is recognised from them. A body that declares its properties keeps exactly those."""

from __future__ import annotations

from typing import Any

from apishield.probe.account_ops import creates_account
from apishield.probe.targets import from_openapi


def _doc(schema: dict[str, Any], media_example: dict[str, Any] | None = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if media_example is not None:
        media["example"] = media_example
    return {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {"/user": {"post": {
        "summary": "Create User", "requestBody": {"content": {"application/json": media}},
        "responses": {"200": {"description": "ok"}}}}}}


def test_an_example_only_body_has_the_examples_fields() -> None:
    op = from_openapi(_doc({"type": "object", "example": {"username": "kim001", "password": "kim001pass",
                                                          "age": 30}}))[0]
    assert op.body_fields == {"username": {"type": "string", "example": "kim001"},
                              "password": {"type": "string", "example": "kim001pass"},
                              "age": {"type": "integer", "example": 30}}
    assert creates_account(op)


def test_a_media_level_example_counts_too() -> None:
    op = from_openapi(_doc({"type": "object"}, {"email": "a@example.com", "password": "pw123456"}))[0]
    assert set(op.body_fields) == {"email", "password"}
    assert creates_account(op)


def test_declared_properties_are_kept_as_they_are() -> None:
    op = from_openapi(_doc({"type": "object", "properties": {"title": {"type": "string"}},
                            "example": {"title": "x", "password": "y"}}))[0]
    assert set(op.body_fields) == {"title"}
    assert not creates_account(op)
