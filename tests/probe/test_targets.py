"""Targets from OpenAPI 3.0/3.1, Swagger 2.0 and the auditor's route inventory."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apishield.probe.targets import SpecError, from_openapi, from_routes, parse_document, sample_body
from tests.probe.apps.base import openapi_document

SWAGGER = {
    "swagger": "2.0", "basePath": "/v1", "info": {"title": "t", "version": "1"},
    "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
    "security": [{"key": []}],
    "paths": {
        "/pets/{petId}": {"get": {
            "parameters": [{"name": "petId", "in": "path", "type": "integer", "required": True}],
            "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}}}},
        "/pets": {"post": {"security": [], "parameters": [{"name": "body", "in": "body",
                                                             "schema": {"$ref": "#/definitions/Pet"}}],
                           "responses": {"201": {"description": "ok"}}}},
    },
    "definitions": {"Pet": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}},
}


def test_openapi_30_operations() -> None:
    ops = {op.key: op for op in from_openapi(openapi_document())}
    assert "GET /api/tasks/{task_id}" in ops and "POST /api/admin/reset" in ops
    assert ops["GET /api/me"].secured is True
    assert ops["GET /api/tasks/{task_id}"].path_params[0].name == "task_id"
    assert set(ops["POST /api/tasks"].body_fields) == {"title", "done"}
    assert "owner_id" in ops["GET /api/tasks/{task_id}"].response_fields
    assert ops["POST /api/admin/reset"].looks_destructive() and ops["GET /api/admin/users"].looks_admin()
    assert ops["POST /api/login"].looks_login() and ops["POST /api/register"].looks_register()
    assert not ops["GET /api/tasks"].looks_destructive()


def test_openapi_31_type_lists_and_yaml() -> None:
    doc = parse_document("""
openapi: 3.1.0
info: {title: t, version: '1'}
servers: [{url: /api}]
paths:
  /items:
    post:
      security: [{}]
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {name: {type: [string, 'null']}, n: {type: integer, minimum: 3}}}
      responses: {'200': {description: ok}}
""")
    (op,) = from_openapi(doc)
    assert op.path == "/api/items" and op.secured is False
    body = sample_body(op.body_schema, random.Random(1))
    assert isinstance(body["name"], str) and body["n"] == 3


def test_swagger_20() -> None:
    ops = {op.key: op for op in from_openapi(SWAGGER)}
    assert ops["GET /v1/pets/{petId}"].secured is True
    assert ops["GET /v1/pets/{petId}"].response_fields == {"id", "name"}
    assert ops["POST /v1/pets"].secured is False and set(ops["POST /v1/pets"].body_fields) == {"id", "name"}


def test_route_inventory() -> None:
    ops = from_routes({"routes": [
        {"framework": "flask", "method": "GET", "path": "/api/tasks/<int:task_id>", "handler": "get_task",
         "file": "app.py", "line": 3, "protections": ["auth:login_required"]},
        {"framework": "bottle", "methods": ["GET", "POST"], "path": "/notes/:note_id", "protections": []},
        {"framework": "fastapi", "methods": ["GET"], "path": "/me", "auth": ["Depends(current_user)"]},
        {"framework": "fastapi", "methods": ["GET"], "path": "/health", "public": True},
    ]})
    keys = {op.key: op for op in ops}
    assert keys["GET /api/tasks/{task_id}"].secured is True
    assert keys["POST /notes/{note_id}"].secured is None and keys["GET /notes/{note_id}"].source == "routes"
    assert keys["GET /me"].secured is True and keys["GET /health"].secured is False


def test_route_inventory_from_a_source_directory_through_the_auditor() -> None:
    from pathlib import Path

    from apishield.probe.targets import load_routes

    twin = Path(__file__).resolve().parents[2] / "examples" / "vulnerable" / "flask_twin"
    if not twin.is_dir():
        pytest.skip("examples/vulnerable not present")
    keys = {op.key for op in load_routes(str(twin))}
    assert {"GET /api/tasks/{task_id}", "POST /api/login"} <= keys


@pytest.mark.parametrize("doc", [
    {"openapi": "3.0.0"},
    {"swagger": "1.2", "paths": {}},
    {"openapi": "3.0.0", "paths": {}},
    {"openapi": "3.0.0", "paths": {"/a": {"get": {"parameters": [{"$ref": "#/c/x"}]}}}, "c": {"x": {"$ref": "#/c/x"}}},
    {"openapi": "3.0.0", "paths": {"/a": {"get": {"parameters": [{"$ref": "#/nowhere"}]}}}},
])
def test_invalid_specs_raise_spec_error(doc: dict[str, object]) -> None:
    with pytest.raises(SpecError):
        from_openapi(doc)


@given(st.text(max_size=200))
def test_parse_document_never_crashes(text: str) -> None:
    try:
        parse_document(text)
    except SpecError:
        pass


@pytest.mark.parametrize(("description", "admin"), [
    ("This endpoint allows authenticated admins to retrieve all users in the DB.", True),
    ("Admin only: deletes the account.", True),
    ("Requires an administrator.", True),
    ("Lists the users for staff.", True),
    ("Create an admin user.", False),  # names the object, not who may call it
    ("Returns whether the caller is an admin.", False),
    ("", False),
])
def test_an_operation_described_as_for_administrators_is_administrative(description: str, admin: bool) -> None:
    """What the description says about who may call an operation marks it administrative, as its path or tags do;
    a description that only names admins as objects does not."""
    doc = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
           "paths": {"/api/users": {"get": {"description": description, "responses": {"200": {"description": "ok"}}}}}}
    (op,) = from_openapi(doc)
    assert op.looks_admin() is admin and op.looks_admin(strictly=True) is admin
