"""The test API on FastAPI (served by uvicorn in the suite)."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

from apishield.integrations.fastapi import Shield
from tests.integrations.apps.common import LIMIT, TASK_SCHEMA, login_data, shield_settings

app = FastAPI()
shield = Shield(**shield_settings())
shield.init_app(app)


@app.get("/health")
@shield.public
def health() -> Any:
    return {"ok": True}


@app.get("/tasks")
def list_tasks(principal: Any = Depends(shield.require("tasks:read"))) -> Any:
    return {"subject": principal.subject}


@app.post("/tasks", status_code=201)
@shield.validate(TASK_SCHEMA)
def create_task(principal: Any = Depends(shield.require("tasks:write"))) -> Any:
    return {"created": True}


@app.get("/limited")
@shield.public
@shield.limit(LIMIT)
def limited() -> Any:
    return {"ok": True}


@app.post("/login")
@shield.public
def login() -> Any:
    session = shield.sessions.login("alice", data=login_data())
    response = JSONResponse({"csrf_token": session.csrf_token})
    response.headers["Set-Cookie"] = shield.sessions.cookie(session)
    return response


@app.post("/notes")
def add_note(principal: Any = Depends(shield.require("notes:write"))) -> Any:
    return {"ok": True, "subject": principal.subject}


@app.get("/boom")
@shield.public
def boom() -> Any:
    raise RuntimeError("secret internal detail")
