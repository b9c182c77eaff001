"""Accounts: register → verify e-mail → login → refresh (rotating) → logout, and the caller's profile.

Login answers the same way for an unknown user and a wrong password (and spends the same hashing time),
so it cannot be used to find out which usernames exist; repeated failures lock the account for a while.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request

from apishield.errors import Reject, TokenError
from taskapi import repo
from taskapi.http import Schema, created
from taskapi.security import caller, get_security, limit, public, require

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")

REGISTER = Schema({
    "type": "object", "required": ["username", "email", "password"], "additionalProperties": False,
    "properties": {
        "username": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{3,40}$"},
        "email": {"type": "string", "maxLength": 254, "pattern": "^[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+$"},
        "password": {"type": "string", "minLength": 1, "maxLength": 256},
    },
})
LOGIN = Schema({
    "type": "object", "required": ["username", "password"], "additionalProperties": False,
    "properties": {"username": {"type": "string", "maxLength": 254}, "password": {"type": "string", "maxLength": 256}},
})
TOKEN = Schema({"type": "object", "required": ["token"], "additionalProperties": False,
                "properties": {"token": {"type": "string", "minLength": 1, "maxLength": 2048}}})
REFRESH = Schema({"type": "object", "required": ["refresh_token"], "additionalProperties": False,
                  "properties": {"refresh_token": {"type": "string", "minLength": 1, "maxLength": 2048}}})

def user_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "username": row["username"], "email": row["email"], "role": row["role"],
            "email_verified": bool(row["email_verified"]), "created_at": row["created_at"]}


@bp.post("/register")
@public
@limit("20/minute", "200/hour")
def register() -> tuple[Response, int, dict[str, str]]:
    data = REGISTER.body()
    sec = get_security()
    problems = sec.password_problems(data["password"], data["username"], data["email"])
    if problems:
        raise Reject(422, "The password does not meet the policy.", title="Weak Password",
                     extra={"errors": [{"field": "password", "problem": p} for p in problems]})
    role = "admin" if data["username"] in sec.settings.admin_users else "user"
    with sec.engine.begin() as conn:
        user_id = repo.create_user(conn, data["username"], data["email"].lower(),
                                   sec.hash_password(data["password"]), role)
        row = repo.user_by_id(conn, user_id) if user_id is not None else None
    if row is None:
        raise Reject(409, "That username or e-mail address is already registered.")
    sec.send_verification(row)
    return created(user_json(row), "/api/v1/auth/me")


@bp.post("/verify")
@public
@limit("20/minute")
def verify() -> Response:
    token = TOKEN.body()["token"]
    sec = get_security()
    try:
        user_id = sec.check_verification(token)
    except TokenError:
        raise Reject(400, "The verification token is invalid or expired.") from None
    with sec.engine.begin() as conn:
        repo.mark_verified(conn, user_id)
        row = repo.user_by_id(conn, user_id)
    if row is None:
        raise Reject(400, "The verification token is invalid or expired.")
    return jsonify(user_json(row))


@bp.post("/login")
@public
@limit("10/minute", "100/hour")
def login() -> Response:
    data = LOGIN.body()
    sec = get_security()
    found: dict[str, Any] = {}

    def lookup(username: str) -> tuple[str, str] | None:
        with sec.engine.connect() as conn:
            row = repo.user_by_name(conn, username)
        if row is None:
            return None
        found["user"] = row
        return str(row["id"]), str(row["password_hash"])

    def save_hash(subject: str, new_hash: str) -> None:
        with sec.engine.begin() as conn:
            repo.set_password_hash(conn, int(subject), new_hash)

    outcome = sec.login(data["username"], data["password"], request.remote_addr or "unknown", lookup, save_hash)
    if not outcome.ok:
        headers = {}
        if outcome.status == 429 and outcome.retry_after:
            headers["Retry-After"] = str(max(1, math.ceil(outcome.retry_after)))
        raise Reject(outcome.status, outcome.message, title="Login Failed", headers=headers)
    user = found["user"]
    if not user["email_verified"]:
        raise Reject(403, "Verify your e-mail address before logging in.", title="E-mail Not Verified")
    return jsonify(sec.issue_tokens(user))


@bp.post("/refresh")
@public
@limit("30/minute")
def refresh() -> Response:
    token = REFRESH.body()["refresh_token"]
    sec = get_security()

    def load_user(user_id: int) -> Mapping[str, Any] | None:
        with sec.engine.connect() as conn:
            return repo.user_by_id(conn, user_id)

    try:
        return jsonify(sec.rotate_tokens(token, load_user))
    except TokenError:
        raise Reject(401, "The refresh token is invalid, expired or already used.", title="Invalid Token") from None


@bp.post("/logout")
@require("account")
def logout() -> tuple[str, int]:
    data = REFRESH.body()
    try:
        get_security().logout(caller(), data["refresh_token"])
    except TokenError:
        raise Reject(400, "The refresh token is invalid, expired or already used.", title="Invalid Token") from None
    return "", 204


@bp.get("/me")
@require("account")
def me() -> Response:
    with get_security().engine.connect() as conn:
        row = repo.user_by_id(conn, caller().user_id)
    if row is None:
        raise Reject(404, "This account no longer exists.")
    return jsonify(user_json(row))
