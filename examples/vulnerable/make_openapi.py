"""Writes openapi.json, the one OpenAPI 3.1 document all three vulnerable twins serve at /openapi.json.

The document declares bearer security on the private operations, so a prober knows which operations
*should* refuse anonymous callers, even though the twins do not. Run: python make_openapi.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BEARER = [{"bearer": []}]


def _op(op_id: str, summary: str, *, secure: bool = True, params: list[dict[str, Any]] | None = None,
        body: dict[str, Any] | None = None, media: str = "application/json",
        responses: dict[str, Any] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": op_id, "summary": summary,
                          "responses": responses or {"200": {"description": "OK"}}}
    if secure:
        op["security"] = BEARER
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {"required": True, "content": {media: {"schema": body}}}
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


def _query(name: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema}


TASK_IN = {"type": "object", "required": ["title"], "additionalProperties": False,
           "properties": {"title": {"type": "string", "maxLength": 200},
                          "description": {"type": "string", "maxLength": 2000}}}
USER = {"type": "object", "properties": {"id": {"type": "integer"}, "username": {"type": "string"},
                                         "email": {"type": "string"}}}


def build() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Task API (deliberately vulnerable twin)", "version": "0.1.0",
                 "description": "Teaching target for apishield. Never expose it: loopback only."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "bearerFormat": "JWT"}}},
        "paths": {
            "/health": {"get": _op("health", "Liveness", secure=False)},
            "/api/register": {"post": _op(
                "register", "Create an account", secure=False,
                body={"type": "object", "required": ["username", "password", "email"],
                      "additionalProperties": False,
                      "properties": {"username": {"type": "string", "minLength": 3, "maxLength": 40},
                                     "password": {"type": "string", "minLength": 8},
                                     "email": {"type": "string", "format": "email"}}},
                responses={"201": {"description": "Created",
                                   "content": {"application/json": {"schema": USER}}}})},
            "/api/login": {"post": _op(
                "login", "Log in, returns a bearer token", secure=False,
                body={"type": "object", "required": ["username", "password"],
                      "properties": {"username": {"type": "string"}, "password": {"type": "string"}}},
                responses={"200": {"description": "OK", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"token": {"type": "string"}}}}}}})},
            "/api/me": {"get": _op("getMe", "The current user")},
            "/api/users/{user_id}": {"get": _op("getUser", "A user", params=[_path_param("user_id")])},
            "/api/tasks": {
                "get": _op("listTasks", "List tasks", params=[
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
                    _query("offset", {"type": "integer", "minimum": 0})]),
                "post": _op("createTask", "Create a task", body=TASK_IN,
                            responses={"201": {"description": "Created"}}),
            },
            "/api/tasks/search": {"get": _op("searchTasks", "Search tasks by title",
                                             params=[_query("q", {"type": "string"}, True)])},
            "/api/tasks/stats": {"get": _op("taskStats", "Evaluate a statistics expression",
                                            params=[_query("expr", {"type": "string"}, True)])},
            "/api/tasks/import": {"post": _op("importTasks", "Import tasks exported by /export",
                                              body={"type": "string", "format": "binary"},
                                              media="application/octet-stream")},
            "/api/tasks/{task_id}": {
                "get": _op("getTask", "Read a task", params=[_path_param("task_id")]),
                "put": _op("updateTask", "Replace a task", params=[_path_param("task_id")], body=TASK_IN),
                "delete": _op("deleteTask", "Delete a task", params=[_path_param("task_id")],
                              responses={"204": {"description": "Deleted"}}),
            },
            "/api/tasks/{task_id}/notify": {"post": _op(
                "notifyTask", "Notify someone about a task", params=[_path_param("task_id")],
                body={"type": "object", "required": ["to"], "properties": {"to": {"type": "string"}}})},
            "/api/files": {"get": _op("getFile", "Download an attachment",
                                      params=[_query("name", {"type": "string"}, True)])},
            "/api/admin/users": {"get": _op("adminListUsers", "Administrators: list every user")},
            "/hello": {"get": _op("hello", "HTML greeting", secure=False,
                                  params=[_query("name", {"type": "string"}, True)],
                                  responses={"200": {"description": "OK",
                                                     "content": {"text/html": {"schema": {"type": "string"}}}}})},
            "/tasks/{task_id}/view": {"get": _op("viewTask", "HTML page of a task",
                                                 params=[_path_param("task_id")])},
            "/tasks/new": {"post": _op(
                "createTaskForm", "HTML form post (cookie session)",
                body={"type": "object", "required": ["title"], "properties": {"title": {"type": "string"}}},
                media="application/x-www-form-urlencoded")},
        },
    }


if __name__ == "__main__":
    out = Path(__file__).with_name("openapi.json")
    out.write_text(json.dumps(build(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
