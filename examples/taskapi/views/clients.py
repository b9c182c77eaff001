"""Credentials for other programs: API keys for service clients, OAuth 2.0 clients (authorization code
with PKCE) for third-party applications acting on a user's behalf.

Both are managed by a logged-in user with a bearer token; an API key or OAuth token cannot mint more
credentials (the routes require the ``account`` scope, which only interactive logins carry).
"""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, jsonify, request

from apishield.errors import Reject, TokenError
from taskapi import repo
from taskapi.http import Schema, created
from taskapi.security import CLIENT_SCOPES, caller, get_security, limit, public, require

bp = Blueprint("clients", __name__, url_prefix="/api/v1")
oauth_bp = Blueprint("oauth", __name__, url_prefix="/oauth")

_SCOPE_LIST = {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": sorted(CLIENT_SCOPES)}}
NEW_KEY = Schema({"type": "object", "required": ["name", "scopes"], "additionalProperties": False,
                  "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 80}, "scopes": _SCOPE_LIST}})
NEW_CLIENT = Schema({
    "type": "object", "required": ["name", "redirect_uri", "scopes"], "additionalProperties": False,
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 80},
                   "redirect_uri": {"type": "string", "pattern": "^(https://|http://(127\\.0\\.0\\.1|localhost)[:/])",
                                    "maxLength": 500},
                   "scopes": _SCOPE_LIST},
})
AUTHORIZE = Schema({
    "type": "object", "additionalProperties": False,
    "required": ["response_type", "client_id", "redirect_uri", "code_challenge", "code_challenge_method"],
    "properties": {"response_type": {"const": "code"}, "client_id": {"type": "string", "maxLength": 64},
                   "redirect_uri": {"type": "string", "maxLength": 500},
                   "scope": {"type": "string", "maxLength": 255}, "state": {"type": "string", "maxLength": 255},
                   "code_challenge": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43,128}$"},
                   "code_challenge_method": {"const": "S256"}},
})


@bp.post("/keys")
@require("account")
def create_key() -> tuple[Response, int, dict[str, str]]:
    data = NEW_KEY.body()
    who = caller()
    if not set(data["scopes"]) <= CLIENT_SCOPES:
        raise Reject(422, "API keys may only hold tasks:read and tasks:write.")
    key_id, key, digest = get_security().create_api_key(who.user_id, data["scopes"])
    with get_security().engine.begin() as conn:
        repo.add_api_key(conn, key_id, who.user_id, data["name"], " ".join(data["scopes"]), digest)
    body = {"id": key_id, "name": data["name"], "scopes": data["scopes"], "key": key,
            "note": "Store the key now: it is shown only once."}
    return created(body, f"/api/v1/keys/{key_id}")


@bp.get("/keys")
@require("account")
def list_keys() -> Response:
    with get_security().engine.connect() as conn:
        rows = repo.list_api_keys(conn, caller().user_id)
    return jsonify(items=[{"id": r["id"], "name": r["name"], "scopes": r["scopes"].split(),
                           "created_at": r["created_at"]} for r in rows])


@bp.delete("/keys/<key_id>")
@require("account")
def revoke_key(key_id: str) -> tuple[str, int]:
    with get_security().engine.begin() as conn:
        found = repo.revoke_api_key(conn, key_id, caller().user_id)
    if not found:
        raise Reject(404, "No such API key.")
    return "", 204


@bp.post("/oauth-clients")
@require("account")
def create_client() -> tuple[Response, int, dict[str, str]]:
    data = NEW_CLIENT.body()
    client_id = "tc_" + secrets.token_urlsafe(18)
    with get_security().engine.begin() as conn:
        repo.add_oauth_client(conn, client_id, caller().user_id, data["name"], data["redirect_uri"],
                              " ".join(data["scopes"]))
    body = {"client_id": client_id, "name": data["name"], "redirect_uri": data["redirect_uri"],
            "scopes": data["scopes"], "token_endpoint_auth_method": "none", "pkce": "S256 required"}
    return created(body, f"/api/v1/oauth-clients/{client_id}")


@oauth_bp.post("/authorize")
@require("account")
def authorize() -> Response:
    """The user (logged in, bearer token) approves a client: answers with the redirect carrying the code."""
    data = AUTHORIZE.body()
    try:
        location = get_security().oauth_authorize(caller(), data)
    except TokenError as exc:
        raise Reject(400, "The authorization request is invalid.", extra={"error": exc.reason}) from None
    return jsonify(redirect_to=location)


@oauth_bp.post("/token")
@public
@limit("30/minute")
def token() -> Response:
    """Exchanges an authorization code (with its PKCE verifier) for tokens. Form-encoded per RFC 6749."""
    form = request.form
    if form.get("grant_type") != "authorization_code":
        return _oauth_error("unsupported_grant_type")
    try:
        body = get_security().oauth_exchange(
            code=form.get("code", ""), client_id=form.get("client_id", ""),
            redirect_uri=form.get("redirect_uri", ""), code_verifier=form.get("code_verifier", ""))
    except TokenError as exc:
        return _oauth_error(exc.reason if exc.reason in {"invalid_client", "invalid_request"} else "invalid_grant")
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _oauth_error(code: str) -> Response:
    """RFC 6749 section 5.2 error: a fixed ``error`` code, never the submitted values."""
    response = jsonify(error=code)
    response.status_code = 400
    response.headers["Cache-Control"] = "no-store"
    return response
