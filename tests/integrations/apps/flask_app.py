"""The test API on Flask (served by gunicorn in the suite)."""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, Flask, g, jsonify

from apishield.integrations.flask import Shield
from tests.integrations.apps.common import LIMIT, TASK_SCHEMA, login_data, shield_settings

app = Flask(__name__)
shield = Shield(app, **shield_settings())
notes = Blueprint("notes", __name__)
shield.blueprint(notes, scopes=["notes:write"])


@app.get("/health")
@shield.public
def health() -> Any:
    return {"ok": True, "pid": os.getpid()}


@app.get("/tasks")
@shield.require("tasks:read")
def list_tasks() -> Any:
    return {"subject": g.principal.subject}


@app.post("/tasks")
@shield.require("tasks:write")
@shield.validate(TASK_SCHEMA)
def create_task() -> Any:
    return {"created": True}, 201


@app.get("/limited")
@shield.public
@shield.limit(LIMIT)
def limited() -> Any:
    return {"ok": True}


@app.post("/login")
@shield.public
def login() -> Any:
    session = shield.sessions.login("alice", data=login_data())
    response = jsonify(csrf_token=session.csrf_token)
    response.headers["Set-Cookie"] = shield.sessions.cookie(session)
    return response


@notes.post("/notes")
def add_note() -> Any:
    return {"ok": True, "subject": g.principal.subject}


@app.get("/boom")
@shield.public
def boom() -> Any:
    raise RuntimeError("secret internal detail")


app.register_blueprint(notes)
