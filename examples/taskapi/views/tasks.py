"""Tasks CRUD. Every query is scoped to the caller (administrators see all); others' tasks are 404."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request

from apishield.errors import Reject
from taskapi import repo
from taskapi.http import Schema, created, page_args, page_body
from taskapi.security import caller, get_security, require

bp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks")

STATUSES = ["todo", "doing", "done"]
_FIELDS: dict[str, Any] = {
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": {"type": "string", "maxLength": 5000},
    "status": {"enum": STATUSES},
    "priority": {"type": "integer", "minimum": 1, "maximum": 5},
}
CREATE = Schema({"type": "object", "required": ["title"], "additionalProperties": False, "properties": _FIELDS})
PATCH = Schema({"type": "object", "minProperties": 1, "additionalProperties": False, "properties": _FIELDS})


def task_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "owner_id": row["owner_id"], "title": row["title"], "description": row["description"],
            "status": row["status"], "priority": row["priority"], "created_at": row["created_at"],
            "updated_at": row["updated_at"]}


def _not_found() -> Reject:
    return Reject(404, "No such task.")


@bp.get("")
@require("tasks:read")
def list_tasks() -> Response:
    who = caller()
    settings = get_security().settings
    page, per_page = page_args(settings.default_page_size, settings.max_page_size)
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        raise Reject(400, "status must be one of todo, doing, done.")
    with get_security().engine.connect() as conn:
        rows, total = repo.list_tasks(conn, who.user_id, per_page, (page - 1) * per_page, status)
    return jsonify(page_body([task_json(r) for r in rows], page, per_page, total))


@bp.post("")
@require("tasks:write")
def create_task() -> tuple[Response, int, dict[str, str]]:
    data = CREATE.body()
    who = caller()
    with get_security().engine.begin() as conn:
        row = repo.create_task(conn, who.user_id, data)
    return created(task_json(row), f"/api/v1/tasks/{row['id']}")


@bp.get("/<int:task_id>")
@require("tasks:read")
def get_task(task_id: int) -> Response:
    with get_security().engine.connect() as conn:
        row = repo.get_task(conn, task_id, caller().owner_scope)
    if row is None:
        raise _not_found()
    return jsonify(task_json(row))


@bp.route("/<int:task_id>", methods=["PUT", "PATCH"])
@require("tasks:write")
def update_task(task_id: int) -> Response:
    data = (CREATE if request.method == "PUT" else PATCH).body()
    with get_security().engine.begin() as conn:
        row = repo.update_task(conn, task_id, caller().owner_scope, data)
    if row is None:
        raise _not_found()
    return jsonify(task_json(row))


@bp.delete("/<int:task_id>")
@require("tasks:write")
def delete_task(task_id: int) -> tuple[str, int]:
    with get_security().engine.begin() as conn:
        deleted = repo.delete_task(conn, task_id, caller().owner_scope)
    if not deleted:
        raise _not_found()
    return "", 204
