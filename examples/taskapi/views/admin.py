"""Administration: only principals with the ``admin`` role reach these routes."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from apishield.errors import Reject
from taskapi import repo
from taskapi.http import Schema, page_args, page_body
from taskapi.security import caller, get_security, require
from taskapi.views.auth import user_json
from taskapi.views.tasks import task_json

bp = Blueprint("admin", __name__, url_prefix="/api/v1/admin")

ROLE = Schema({"type": "object", "required": ["role"], "additionalProperties": False,
               "properties": {"role": {"enum": ["user", "admin"]}}})


@bp.get("/users")
@require("admin", roles=["admin"])
def list_users() -> Response:
    sec = get_security()
    page, per_page = page_args(sec.settings.default_page_size, sec.settings.max_page_size)
    with sec.engine.connect() as conn:
        rows, total = repo.list_users(conn, per_page, (page - 1) * per_page)
    return jsonify(page_body([user_json(r) for r in rows], page, per_page, total))


@bp.put("/users/<int:user_id>/role")
@require("admin", roles=["admin"])
def set_role(user_id: int) -> Response:
    role = ROLE.body()["role"]
    if user_id == caller().user_id:
        raise Reject(409, "Administrators cannot change their own role; ask another administrator.")
    row = get_security().change_role(user_id, role)  # also refuses every token issued before the change
    if row is None:
        raise Reject(404, "No such user.")
    return jsonify(user_json(row))


@bp.post("/users/<int:user_id>/revoke-sessions")
@require("admin", roles=["admin"])
def revoke_sessions(user_id: int) -> tuple[str, int]:
    """End every session of a user (a compromised account): refresh families and access tokens."""
    sec = get_security()
    with sec.engine.connect() as conn:
        if repo.user_by_id(conn, user_id) is None:
            raise Reject(404, "No such user.")
    sec.logout_everywhere(str(user_id))
    return "", 204


@bp.get("/tasks")
@require("admin", roles=["admin"])
def list_all_tasks() -> Response:
    sec = get_security()
    page, per_page = page_args(sec.settings.default_page_size, sec.settings.max_page_size)
    with sec.engine.connect() as conn:
        rows, total = repo.list_tasks(conn, None, per_page, (page - 1) * per_page)
    return jsonify(page_body([task_json(r) for r in rows], page, per_page, total))
