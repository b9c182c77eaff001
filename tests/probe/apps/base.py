"""Framework-free core of the probe's test apps: request/response model, router, SQLite, the OpenAPI document.

The vulnerable and secure apps (``vulnerable/logic.py``, ``secure/logic.py``) implement the same operations;
``serve.py`` mounts either behind Flask, CherryPy, Bottle or FastAPI, each in its own real server. Every
request is appended to a log file (method, path, Host) so tests can prove the probe never aimed elsewhere,
and a tripwire records calls to the destructive ``/api/admin/reset`` operation.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Response = tuple[int, list[tuple[str, str]], bytes]


@dataclass
class Req:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


def jresp(status: int, data: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return status, [("Content-Type", "application/json"), *(headers or [])], json.dumps(data).encode()


def html(status: int, text: str) -> Response:
    return status, [("Content-Type", "text/html; charset=utf-8")], text.encode()


ROUTES: list[tuple[str, str, str]] = [
    ("GET", "/health", "health"),
    ("GET", "/openapi.json", "openapi"),
    ("POST", "/api/register", "register"),
    ("POST", "/api/login", "login"),
    ("GET", "/api/me", "me"),
    ("GET", "/api/users/{user_id}", "get_user"),
    ("GET", "/api/tasks", "list_tasks"),
    ("POST", "/api/tasks", "create_task"),
    ("GET", "/api/tasks/search", "search_tasks"),
    ("GET", "/api/tasks/{task_id}", "get_task"),
    ("PUT", "/api/tasks/{task_id}", "update_task"),
    ("DELETE", "/api/tasks/{task_id}", "delete_task"),
    ("POST", "/api/events", "track_event"),
    ("GET", "/api/files", "get_file"),
    ("GET", "/hello", "hello"),
    ("GET", "/api/greeting", "greeting"),
    ("GET", "/api/validate", "validate"),
    ("GET", "/api/admin/users", "admin_users"),
    ("POST", "/api/admin/reset", "admin_reset"),
    ("GET", "/.well-known/jwks.json", "jwks"),
]


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


COMPILED = [(m, _compile(p), h) for m, p, h in ROUTES]
BEARER = [{"bearer": []}]


def _op(summary: str, *, secured: bool, params: list[dict[str, Any]] | None = None,
        body: dict[str, Any] | None = None, response: dict[str, Any] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "operationId": summary.lower().replace(" ", "_"),
                          "responses": {"200": {"description": "ok", "content": {"application/json": {
                              "schema": response or {"type": "object"}}}}}}
    if secured:
        op["security"] = BEARER
    if params:
        op["parameters"] = params
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def q(name: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": True, "schema": {"type": "string", **schema}}


def pth(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


TASK = {"type": "object", "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
                                         "done": {"type": "boolean"}, "owner_id": {"type": "integer"}}}
TASK_IN = {"type": "object", "required": ["title"], "properties": {"title": {"type": "string"},
                                                                    "done": {"type": "boolean"}}}
USER = {"type": "object", "properties": {"id": {"type": "integer"}, "username": {"type": "string"},
                                         "admin": {"type": "boolean"}}}
CREDS = {"type": "object", "required": ["username", "password"],
         "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "probe test app", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/health": {"get": _op("Health", secured=False)},
            "/api/register": {"post": _op("Register", secured=False, body=CREDS, response=USER)},
            "/api/login": {"post": _op("Login", secured=False, body=CREDS)},
            "/api/me": {"get": _op("Me", secured=True, response=USER)},
            "/api/users/{user_id}": {"get": _op("Get user", secured=True, params=[pth("user_id")], response=USER)},
            "/api/tasks": {"get": _op("List tasks", secured=True, params=[
                               {"name": "title", "in": "query", "required": False, "schema": {"type": "string"}}]),
                           "post": _op("Create task", secured=True, body=TASK_IN, response=TASK)},
            "/api/tasks/search": {"get": _op("Search tasks", secured=True, params=[q("q")])},
            "/api/tasks/{task_id}": {
                "get": _op("Get task", secured=True, params=[pth("task_id")], response=TASK),
                "put": _op("Update task", secured=True, params=[pth("task_id")], body=TASK_IN, response=TASK),
                "delete": _op("Delete task", secured=True, params=[pth("task_id")]),
            },
            "/api/events": {"post": _op("Track event", secured=True, body={
                "type": "object", "properties": {"name": {"type": "string"}}})},
            "/api/files": {"get": _op("Get file", secured=True, params=[q("name")])},
            "/hello": {"get": _op("Hello", secured=False, params=[q("name")])},
            "/api/greeting": {"get": _op("Greeting", secured=False, params=[q("template")])},
            "/api/validate": {"get": _op("Validate", secured=False, params=[q("code")])},
            "/api/admin/users": {"get": _op("Admin users", secured=True)},
            "/api/admin/reset": {"post": _op("Admin reset", secured=True)},
        },
    }


class BaseApp:
    """Router + SQLite + request log. Subclasses implement one method per route name."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.lock = threading.RLock()
        self.db.executescript(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE, password_hash TEXT, admin INTEGER);"
            "CREATE TABLE tasks (id INTEGER PRIMARY KEY, owner_id INTEGER, title TEXT, done INTEGER);"
            "CREATE TABLE events (id INTEGER PRIMARY KEY, name TEXT);"
        )
        self.log_path = os.environ.get("PROBE_APP_LOG")

    def sql(self, query: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            cur = self.db.execute(query, args)
            self.db.commit()
            return cur.fetchall()

    def record(self, req: Req) -> None:
        if self.log_path:
            with self.lock, open(self.log_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"method": req.method, "path": req.path, "host": req.headers.get("host", "")})
                         + "\n")

    def handle(self, req: Req) -> Response:
        self.record(req)
        for method, pattern, name in COMPILED:
            m = pattern.match(req.path)
            if m and method == req.method:
                req.params = m.groupdict()
                handler: Callable[[Req], Response] = getattr(self, name)
                return self.guard(req, handler)
        if any(p.match(req.path) for _, p, _ in COMPILED):
            return jresp(405, {"error": "method not allowed"})
        return jresp(404, {"error": "not found"})

    def guard(self, req: Req, handler: Callable[[Req], Response]) -> Response:
        return handler(req)

    def health(self, req: Req) -> Response:
        return jresp(200, {"status": "ok"})

    def openapi(self, req: Req) -> Response:
        return jresp(200, openapi_document())

    def jwks(self, req: Req) -> Response:
        return jresp(404, {"error": "not found"})
