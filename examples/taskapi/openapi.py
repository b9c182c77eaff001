"""The OpenAPI 3.1 document of the Task API, built from the same schemas the views validate with."""

from __future__ import annotations

from functools import cache
from typing import Any

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": PROBLEM}}}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any], media: str = "application/json") -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": schema}}}


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}


PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
     "description": "Capped at 100."},
]
USER_SEC = [{"bearer": []}]
TASK_SEC = [{"bearer": []}, {"apiKey": []}]


def _op(op_id: str, summary: str, responses: dict[str, Any], *, security: list[dict[str, list[str]]] | None,
        body: dict[str, Any] | None = None, params: list[dict[str, Any]] | None = None,
        errors: tuple[int, ...] = ()) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": op_id, "summary": summary, "responses": dict(responses)}
    op["security"] = security if security is not None else []
    if body is not None:
        op["requestBody"] = body
    if params:
        op["parameters"] = params
    defaults = {400: "Malformed request", 401: "Missing or invalid credentials", 403: "Not allowed",
                404: "Not found", 409: "Conflict", 415: "Wrong content type", 422: "Invalid body",
                429: "Rate limited"}
    for status in (*errors, 429) + ((401, 403) if security else ()):
        op["responses"].setdefault(str(status), _problem(defaults[status]))
    return op


@cache
def document() -> dict[str, Any]:
    from taskapi.views import admin, auth, clients, tasks

    task = {"type": "object", "properties": {
        "id": {"type": "integer"}, "owner_id": {"type": "integer"}, "title": {"type": "string"},
        "description": {"type": "string"}, "status": {"enum": tasks.STATUSES}, "priority": {"type": "integer"},
        "created_at": {"type": "integer"}, "updated_at": {"type": "integer"}}}
    user = {"type": "object", "properties": {
        "id": {"type": "integer"}, "username": {"type": "string"}, "email": {"type": "string"},
        "role": {"enum": ["user", "admin"]}, "email_verified": {"type": "boolean"}, "created_at": {"type": "integer"}}}
    tokens = {"type": "object", "properties": {
        "access_token": {"type": "string"}, "token_type": {"const": "Bearer"}, "expires_in": {"type": "integer"},
        "refresh_token": {"type": "string"}, "scope": {"type": "string"}}}

    def page_of(item: dict[str, Any]) -> dict[str, Any]:
        return {"type": "object", "properties": {"items": {"type": "array", "items": item},
                                                 "page": {"type": "integer"}, "per_page": {"type": "integer"},
                                                 "total": {"type": "integer"}, "pages": {"type": "integer"}}}

    task_id = [_id("task_id")]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Secure Task API", "version": "1.0.0",
                 "description": "The apishield reference API: every route needs a bearer token or an API key "
                                "unless it is listed as public (security: [])."},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "oauth2": {"type": "oauth2", "flows": {"authorizationCode": {
                    "authorizationUrl": "/oauth/authorize", "tokenUrl": "/oauth/token",
                    "scopes": {"tasks:read": "Read your tasks", "tasks:write": "Change your tasks"}}}},
            },
            "schemas": {
                "Problem": {"type": "object", "required": ["type", "title", "status"], "properties": {
                    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                    "detail": {"type": "string"}}},
                "Task": task, "User": user, "Tokens": tokens,
            },
        },
        "paths": {
            "/health": {"get": _op("health", "Liveness and database check", {"200": _json({"type": "object"})},
                                   security=None)},
            "/api/v1/auth/register": {"post": _op(
                "register", "Ask for an account; the outcome (a verification token) is sent by e-mail",
                {"201": _json({"type": "object", "properties": {"status": {"const": "pending"},
                                                                "detail": {"type": "string"}}}, "Pending")},
                security=None, body=_body(auth.REGISTER.schema), errors=(400, 415, 422))},
            "/api/v1/auth/verify": {"post": _op("verifyEmail", "Confirm the e-mail address",
                                                {"200": _json(user)}, security=None,
                                                body=_body(auth.TOKEN.schema), errors=(400, 415, 422))},
            "/api/v1/auth/login": {"post": _op("login", "Exchange username and password for tokens",
                                               {"200": _json(tokens)}, security=None,
                                               body=_body(auth.LOGIN.schema), errors=(400, 401, 403, 415, 422))},
            "/api/v1/auth/refresh": {"post": _op("refresh", "Rotate the refresh token", {"200": _json(tokens)},
                                                 security=None, body=_body(auth.REFRESH.schema),
                                                 errors=(400, 401, 415, 422))},
            "/api/v1/auth/logout": {"post": _op("logout", "Revoke the refresh token",
                                                {"204": {"description": "Logged out"}}, security=USER_SEC,
                                                body=_body(auth.REFRESH.schema), errors=(400, 415, 422))},
            "/api/v1/auth/logout-all": {"post": _op(
                "logoutEverywhere", "End every session of the caller (refresh and access tokens)",
                {"204": {"description": "Logged out everywhere"}}, security=USER_SEC)},
            "/api/v1/auth/password": {"put": _op(
                "changePassword", "Change the password; every session ends", {"204": {"description": "Changed"}},
                security=USER_SEC, body=_body(auth.NEW_PASSWORD.schema), errors=(400, 415, 422))},
            "/api/v1/auth/me": {"get": _op("me", "The caller's account", {"200": _json(user)}, security=USER_SEC)},
            "/api/v1/tasks": {
                "get": _op("listTasks", "The caller's tasks, paginated", {"200": _json(page_of(task))},
                           security=TASK_SEC, params=[*PAGING, {"name": "status", "in": "query",
                                                                "schema": {"enum": tasks.STATUSES}}],
                           errors=(400,)),
                "post": _op("createTask", "Create a task", {"201": _json(task, "Created")}, security=TASK_SEC,
                            body=_body(tasks.CREATE.schema), errors=(400, 415, 422)),
            },
            "/api/v1/tasks/{task_id}": {
                "get": _op("getTask", "One of the caller's tasks", {"200": _json(task)}, security=TASK_SEC,
                           params=task_id, errors=(404,)),
                "put": _op("replaceTask", "Replace a task", {"200": _json(task)}, security=TASK_SEC,
                           params=task_id, body=_body(tasks.CREATE.schema), errors=(400, 404, 415, 422)),
                "patch": _op("updateTask", "Change some fields of a task", {"200": _json(task)},
                             security=TASK_SEC, params=task_id, body=_body(tasks.PATCH.schema),
                             errors=(400, 404, 415, 422)),
                "delete": _op("deleteTask", "Delete a task", {"204": {"description": "Deleted"}},
                              security=TASK_SEC, params=task_id, errors=(404,)),
            },
            "/api/v1/keys": {
                "get": _op("listApiKeys", "The caller's API keys", {"200": _json({"type": "object"})},
                           security=USER_SEC),
                "post": _op("createApiKey", "Create an API key for a service client (shown once)",
                            {"201": _json({"type": "object"}, "Created")}, security=USER_SEC,
                            body=_body(clients.NEW_KEY.schema), errors=(400, 415, 422)),
            },
            "/api/v1/keys/{key_id}": {"delete": _op(
                "revokeApiKey", "Revoke an API key", {"204": {"description": "Revoked"}}, security=USER_SEC,
                params=[{"name": "key_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                errors=(404,))},
            "/api/v1/oauth-clients": {"post": _op(
                "createOAuthClient", "Register a third-party client (public client, PKCE S256)",
                {"201": _json({"type": "object"}, "Created")}, security=USER_SEC,
                body=_body(clients.NEW_CLIENT.schema), errors=(400, 415, 422))},
            "/oauth/authorize": {"post": _op(
                "oauthAuthorize", "The logged-in user approves a client; returns the redirect with the code",
                {"200": _json({"type": "object"})}, security=USER_SEC, body=_body(clients.AUTHORIZE.schema),
                errors=(400, 415, 422))},
            "/oauth/token": {"post": _op(
                "oauthToken", "Exchange an authorization code and its PKCE verifier, or a refresh token, for tokens",
                {"200": _json(tokens)}, security=None,
                body=_body({"type": "object", "required": ["grant_type", "client_id"],
                            "properties": {"grant_type": {"enum": ["authorization_code", "refresh_token"]},
                                           **{k: {"type": "string"} for k in (
                                               "code", "client_id", "redirect_uri", "code_verifier",
                                               "refresh_token")}}},
                           "application/x-www-form-urlencoded"),
                errors=(400,))},
            "/api/v1/admin/users": {"get": _op("adminListUsers", "Administrators: every account",
                                               {"200": _json(page_of(user))}, security=USER_SEC, params=PAGING,
                                               errors=(400,))},
            "/api/v1/admin/users/{user_id}/role": {"put": _op(
                "adminSetRole", "Administrators: change a role", {"200": _json(user)}, security=USER_SEC,
                params=[_id("user_id")], body=_body(admin.ROLE.schema), errors=(400, 404, 415, 422))},
            "/api/v1/admin/users/{user_id}/revoke-sessions": {"post": _op(
                "adminRevokeSessions", "Administrators: end every session of a user",
                {"204": {"description": "Revoked"}}, security=USER_SEC, params=[_id("user_id")], errors=(404,))},
            "/api/v1/admin/tasks": {"get": _op("adminListTasks", "Administrators: every task",
                                               {"200": _json(page_of(task))}, security=USER_SEC, params=PAGING,
                                               errors=(400,))},
        },
    }
