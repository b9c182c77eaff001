"""Accounts: register → verify e-mail → login → refresh (rotating) → logout, and the caller's profile.

Nothing here tells a stranger which accounts exist: registration answers the same whether or not the name
or address is taken (the real outcome goes to the address by mail), and login answers the same way for an
unknown user and a wrong password (with the same hashing time). Repeated failures lock the account for
untrusted sources only: a device that logged in before (device cookie) keeps working.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request

from apishield.errors import Reject, TokenError
from taskapi import repo
from taskapi.http import Schema, no_store
from taskapi.security import caller, get_security, limit, public, require

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")

REGISTER = Schema({
    "type": "object", "required": ["username", "email", "password"], "additionalProperties": False,
    "properties": {
        "username": {"type": "string", "minLength": 3, "maxLength": 40},  # the shape: canonical_username
        "email": {"type": "string", "minLength": 3, "maxLength": 254},  # the shape: canonical_email
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
NEW_PASSWORD = Schema({
    "type": "object", "required": ["current_password", "new_password"], "additionalProperties": False,
    "properties": {"current_password": {"type": "string", "maxLength": 256},
                   "new_password": {"type": "string", "minLength": 1, "maxLength": 256}},
})
REGISTERED = {"status": "pending",
              "detail": "If the name and address can be used, a verification e-mail is on its way. "
                        "Check your mailbox to finish the registration."}

def user_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "username": row["username"], "email": row["email"], "role": row["role"],
            "email_verified": bool(row["email_verified"]), "created_at": row["created_at"]}


@bp.post("/register")
@public
@limit("20/minute", "200/hour")
def register() -> tuple[Response, int]:
    """The same 201 answer whatever happened; the outcome is mailed to the address given."""
    data = REGISTER.body()
    sec = get_security()
    name, skeleton, email = sec.identity(data["username"], data["email"])
    problems = sec.password_problems(data["password"], name, email)
    if problems:
        raise Reject(422, "The password does not meet the policy.", title="Weak Password",
                     extra={"errors": [{"field": "password", "problem": p} for p in problems]})
    password_hash = sec.hash_password(data["password"])  # always hashed: the same time whether taken or not
    now = int(sec.clock())
    with sec.engine.begin() as conn:
        repo.purge_unverified(conn, now - sec.settings.unverified_ttl)  # stale sign-ups free their name/address
        user_id = repo.create_user(conn, name, skeleton, email, password_hash, created_at=now)
        row = repo.user_by_id(conn, user_id) if user_id is not None else None
        holder = None if row is not None else repo.user_by_email(conn, email)
    if row is not None:
        sec.send_verification(row)
    elif holder is not None:
        sec.send_mail(email, "Someone tried to register with your address",
                      note="This address already has an account: log in with it. Not you? No action is needed.")
    else:
        sec.send_mail(email, "That user name is not available",
                      note="The user name (or one that looks like it) is taken; register with another name.")
    return no_store(jsonify(REGISTERED)), 201


@bp.post("/verify")
@public
@limit("20/minute")
def verify() -> Response:
    token = TOKEN.body()["token"]
    sec = get_security()

    def load_user(user_id: int) -> Mapping[str, Any] | None:
        with sec.engine.connect() as conn:
            return repo.user_by_id(conn, user_id)

    try:
        user_id = sec.check_verification(token, load_user)
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

    def accept(subject: str) -> str | None:  # every other login condition, checked before the lock is cleared
        del subject
        return None if found["user"]["email_verified"] else "Verify your e-mail address before logging in."

    client_ip = sec.client_ip(request.remote_addr, request.headers)
    device = request.cookies.get(sec.device_cookie_name)
    outcome = sec.login(data["username"], data["password"], client_ip, device, lookup, save_hash, accept)
    if not outcome.ok:
        headers = {}
        if outcome.status == 429 and outcome.retry_after:
            headers["Retry-After"] = str(max(1, math.ceil(outcome.retry_after)))
        title = "E-mail Not Verified" if outcome.status == 403 else "Login Failed"
        raise Reject(outcome.status, outcome.message, title=title, headers=headers)
    response = no_store(jsonify(sec.issue_tokens(found["user"])))
    if outcome.device_cookie:
        response.headers.add("Set-Cookie", sec.device_cookie(outcome.device_cookie))
    return response


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
        return no_store(jsonify(sec.rotate_tokens(token, load_user)))
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


@bp.post("/logout-all")
@require("account")
def logout_all() -> tuple[str, int]:
    """End every session of the caller, on every device: refresh tokens and access tokens alike."""
    get_security().logout_everywhere(caller().subject)
    return "", 204


@bp.put("/password")
@require("account")
@limit("10/hour")
def change_password() -> tuple[str, int]:
    """A new password (the current one is required); every session of the account ends, this one included."""
    data = NEW_PASSWORD.body()
    sec = get_security()
    who = caller()
    with sec.engine.connect() as conn:
        row = repo.user_by_id(conn, who.user_id)
    if row is None or not sec.passwords.verify(str(row["password_hash"]), data["current_password"]).ok:
        raise Reject(403, "The current password is not correct.", title="Password Not Changed")
    problems = sec.password_problems(data["new_password"], str(row["username"]), str(row["email"]))
    if problems:
        raise Reject(422, "The password does not meet the policy.", title="Weak Password",
                     extra={"errors": [{"field": "new_password", "problem": p} for p in problems]})
    with sec.engine.begin() as conn:
        repo.set_password_hash(conn, who.user_id, sec.hash_password(data["new_password"]))
    sec.logout_everywhere(who.subject)
    sec.send_mail(str(row["email"]), "Your password was changed",
                  note="Every session was ended. If this was not you, reset your password now.")
    return "", 204


@bp.get("/me")
@require("account")
def me() -> Response:
    with get_security().engine.connect() as conn:
        row = repo.user_by_id(conn, caller().user_id)
    if row is None:
        raise Reject(404, "This account no longer exists.")
    return jsonify(user_json(row))
