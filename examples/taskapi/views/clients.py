"""Credentials for other programs: API keys for service clients, OAuth 2.0 clients (authorization code
with PKCE) for third-party applications acting on a user's behalf.

Both are managed by a logged-in user with a bearer token; an API key or OAuth token cannot mint more
credentials (the routes require the ``account`` scope, which only interactive logins carry).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request

from apishield.errors import ConfigError, Reject
from taskapi import repo
from taskapi.http import Schema, created, no_store
from taskapi.security import CLIENT_SCOPES, caller, get_security, limit, public, require

bp = Blueprint("clients", __name__, url_prefix="/api/v1")
oauth_bp = Blueprint("oauth", __name__, url_prefix="/oauth")

# "$" also matches before a final newline in Python's re (jsonschema searches); "(?![\s\S])" is the end
# of the string in both Python and ECMA-262 regular expressions, so the pattern means the same everywhere
_WHOLE = "^{}(?![\\s\\S])"
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
                   "code_challenge": {"type": "string", "pattern": _WHOLE.format("[A-Za-z0-9_-]{43,128}")},
                   "code_challenge_method": {"const": "S256"}},
})


@bp.post("/keys")
@require("account")
def create_key() -> tuple[Response, int, dict[str, str]]:
    data = NEW_KEY.body()
    body = get_security().create_api_key(caller().user_id, data["name"], data["scopes"])
    body["note"] = "Store the key now: it is shown only once."
    return no_store(jsonify(body)), 201, {"Location": f"/api/v1/keys/{body['id']}"}


@bp.get("/keys")
@require("account")
def list_keys() -> Response:
    return jsonify(items=get_security().list_api_keys(caller().user_id))


@bp.delete("/keys/<key_id>")
@require("account")
def revoke_key(key_id: str) -> tuple[str, int]:
    sec = get_security()
    record = sec.api_keys.get(key_id)
    if record is None or record.revoked or record.owner != caller().subject:  # only the owner's own keys
        raise Reject(404, "No such API key.")
    sec.api_keys.revoke(record.key_id)
    return "", 204


@bp.post("/oauth-clients")
@require("account")
def create_client() -> tuple[Response, int, dict[str, str]]:
    data = NEW_CLIENT.body()
    sec = get_security()
    try:
        client_id = sec.register_oauth_client(data["name"], data["redirect_uri"], data["scopes"])
    except ConfigError:
        raise Reject(422, "redirect_uri must be an absolute https:// URL (http:// only for loopback), "
                          "without a fragment.") from None
    with sec.engine.begin() as conn:
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
    answer = get_security().oauth_authorize(caller(), data)
    location = next((v for k, v in answer.headers if k.lower() == "location"), None)
    if answer.status in (301, 302, 303) and location is not None and "code=" in location:
        return jsonify(redirect_to=location)
    return _oauth_error(answer.body)


@oauth_bp.post("/token")
@public
@limit("30/minute")
def token() -> Response:
    """Exchanges an authorization code (with its PKCE verifier) or a refresh token for tokens (RFC 6749)."""
    answer = get_security().oauth_token(dict(request.headers), request.get_data(cache=False)[:65536])
    try:
        document = json.loads(answer.body)
    except ValueError:
        document = {"error": "invalid_request"}
    response = jsonify(document)  # the server's JSON document (tokens, or an RFC 6749 error)
    response.status_code = answer.status
    return no_store(response)


def _oauth_error(body: bytes) -> Response:
    """RFC 6749 error document with a fixed ``error`` code (never the submitted values)."""
    try:
        code = str(json.loads(body).get("error", "invalid_request"))
    except (ValueError, AttributeError):
        code = "invalid_request"
    response = jsonify(error=code if code.replace("_", "").isalpha() else "invalid_request")
    response.status_code = 400
    response.headers["Cache-Control"] = "no-store"
    return response
