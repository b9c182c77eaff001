"""The test API on Bottle (served by gunicorn in the suite)."""

from __future__ import annotations

from typing import Any

import bottle

from apishield.integrations.bottle import Shield, principal
from tests.integrations.apps.common import LIMIT, TASK_SCHEMA, login_data, shield_settings

app = bottle.Bottle()
shield = Shield(**shield_settings())
app.install(shield)


@app.get("/health", apishield={"public": True})
def health() -> Any:
    return {"ok": True}


@app.get("/tasks")
@shield.require("tasks:read")
def list_tasks() -> Any:
    return {"subject": principal().subject}


@app.post("/tasks", apishield={"scopes": ["tasks:write"], "body_schema": TASK_SCHEMA})
def create_task() -> Any:
    bottle.response.status = 201
    return {"created": True}


@app.get("/limited", apishield={"public": True, "limits": [LIMIT]})
def limited() -> Any:
    return {"ok": True}


@app.post("/login", apishield={"public": True})
def login() -> Any:
    session = shield.sessions.login("alice", data=login_data())
    bottle.response.set_header("Set-Cookie", shield.sessions.cookie(session))
    return {"csrf_token": session.csrf_token}


@app.post("/notes")
@shield.require("notes:write")
def add_note() -> Any:
    return {"ok": True, "subject": principal().subject}


@app.get("/boom", apishield={"public": True})
def boom() -> Any:
    raise RuntimeError("secret internal detail")
