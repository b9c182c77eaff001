"""Everything security-related in the Task API, in one module: where the application meets apishield.

* The apishield Flask extension (:class:`apishield.integrations.flask.Shield`) guards every route:
  deny-by-default authentication, per-route scopes and roles, rate limits, CORS per environment, security
  headers and problem+json errors. Views only declare :func:`public`, :func:`require` and :func:`limit`.
* Credentials: short-lived JWT access tokens, rotating single-use refresh tokens (reuse revokes the whole
  family), API keys for service clients, OAuth 2.0 authorization codes bound to a PKCE S256 challenge,
  signed e-mail verification tokens. Passwords are hashed with argon2id; repeated login failures lock the
  account for a while. Shared state (limits, lockouts, refresh tokens, codes) lives in one apishield store
  (SQLite or Redis) so every gunicorn worker sees the same state.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Flask, current_app
from sqlalchemy import Engine

from apishield.auth.jwt import JWTAuth
from apishield.auth.refresh import RefreshTokens
from apishield.errors import TokenError, TokenRevoked
from apishield.integrations.flask import current_principal
from apishield.request import RequestView
from apishield.shield import PUBLIC, RouteSettings, with_settings
from taskapi import credentials, repo
from taskapi.settings import Settings

log = logging.getLogger("taskapi")
F = TypeVar("F", bound=Callable[..., Any])

SCOPES = frozenset({"tasks:read", "tasks:write", "account", "admin"})
USER_SCOPES = ("tasks:read", "tasks:write", "account")
CLIENT_SCOPES = frozenset({"tasks:read", "tasks:write"})  # what API keys and OAuth clients may hold
EXTENSION = "taskapi.security"
ISSUER = "taskapi"


# --- route declarations (read by the shield; nothing here runs per request) --------------------------
def public(fn: F) -> F:
    """No credentials needed (rate limits, CORS and headers still apply)."""
    return with_settings(fn, PUBLIC)  # type: ignore[no-any-return]


def require(*scopes: str, roles: Iterable[str] = ()) -> Callable[[F], F]:
    """An authenticated caller holding every scope in ``scopes`` and every role in ``roles``."""
    unknown = set(scopes) - SCOPES
    if unknown:
        raise ValueError(f"unknown scopes {sorted(unknown)}")
    settings = RouteSettings(public=False, scopes=tuple(scopes), roles=tuple(roles))
    return lambda fn: with_settings(fn, settings)  # type: ignore[no-any-return]


def limit(*limits: str) -> Callable[[F], F]:
    """Rate limits for this route instead of the defaults, e.g. ``limit("10/minute")``."""
    settings = RouteSettings(limits=tuple(limits))
    return lambda fn: with_settings(fn, settings)  # type: ignore[no-any-return]


# --- who is calling -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated principal as the views see it."""

    subject: str
    scopes: frozenset[str]
    roles: frozenset[str]
    via: str = "bearer"
    token_id: str | None = None
    expires_at: float | None = None
    claims: Mapping[str, Any] = field(default_factory=dict)

    @property
    def user_id(self) -> int:
        return int(self.subject)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def owner_scope(self) -> int | None:
        """Whose objects this caller may touch: ``None`` (everyone's) for administrators, else their own."""
        return None if self.is_admin else self.user_id


def caller() -> Caller:
    """The principal the shield authenticated for this request (only call it on protected routes)."""
    principal = current_principal()
    if isinstance(principal, Caller):
        return principal
    if principal is None:  # pragma: no cover - the shield refuses anonymous calls before the view runs
        raise TokenError("no authenticated principal", reason="invalid_request")
    return Caller(subject=str(principal.subject), scopes=frozenset(getattr(principal, "scopes", ())),
                  roles=frozenset(getattr(principal, "roles", ())))


def get_security() -> Security:
    sec = current_app.extensions[EXTENSION]
    if not isinstance(sec, Security):  # pragma: no cover - only one object is ever registered here
        raise RuntimeError("taskapi security is not installed")
    return sec


# --- authenticators (apishield's protocol: authenticate(view) -> principal | None, TokenError if bad) ----
class BearerAuthenticator:
    """``Authorization: Bearer <access token>``; a token revoked at logout is refused."""

    auth_method = "bearer"

    def __init__(self, security: Security) -> None:
        self.security = security

    def authenticate(self, view: RequestView) -> Caller | None:
        header = view.headers.get("authorization")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.security.verify_access_token(token.strip())


class APIKeyAuthenticator:
    """``X-API-Key: tk_<id>.<secret>`` for service clients: the key's own scopes, never ``account``."""

    auth_method = "api_key"

    def __init__(self, security: Security) -> None:
        self.security = security

    def authenticate(self, view: RequestView) -> Caller | None:
        presented = view.headers.get("x-api-key")
        if presented is None:
            return None
        return self.security.verify_api_key(presented.strip())


# --- the security object ------------------------------------------------------------------------------
class Security:
    """Credentials and state for one application instance. Built once in the app factory."""

    def __init__(self, settings: Settings, engine: Engine, *, clock: Callable[[], float] = time.time,
                 store: Any = None) -> None:
        self.settings = settings
        self.engine = engine
        self.clock = clock
        self.store = store if store is not None else credentials.open_store(settings.state_url, clock)
        self.passwords = credentials.Passwords()
        self.lockout = credentials.Lockout(self.store)
        self.jwt = JWTAuth(settings.jwt_secret, "HS256", issuer=ISSUER, audience=ISSUER, leeway=5,
                           store=self.store, namespace="taskapi:jwt", clock=clock)
        self.refresh = RefreshTokens(self.store, ttl=settings.refresh_ttl, namespace="taskapi:refresh", clock=clock)
        self.verification = credentials.VerificationTokens(settings.jwt_secret, clock=clock)
        self.codes = credentials.AuthorizationCodes(self.store)

    def shield_config(self) -> dict[str, Any]:
        """The apishield configuration: production mode outside development, CORS origins per environment."""
        dev = not self.settings.production
        return {
            "mode": "development" if dev else "production",
            "auth": {"api_key_header": "X-API-Key"},
            "rate_limit": credentials.rate_limit_config(self.settings.rate_limit),
            "cors": {"origins": list(self.settings.cors_origins), "allow_credentials": False},
            "csrf": {"enabled": False},  # bearer tokens and API keys only: no ambient credentials to forge
        }

    def shield_components(self) -> dict[str, Any]:
        """What the shield is built from besides its configuration: authenticators, the shared store, the clock."""
        return {"authenticators": [BearerAuthenticator(self), APIKeyAuthenticator(self)], "store": self.store,
                "clock": self.clock}

    def register(self, app: Flask) -> None:
        app.extensions[EXTENSION] = self

    # passwords and lockout
    def password_problems(self, password: str, username: str, email: str) -> list[str]:
        return self.passwords.problems(password, username, email)

    def hash_password(self, password: str) -> str:
        return self.passwords.hash(password)

    def check_password(self, stored_hash: str | None, password: str) -> tuple[bool, str | None]:
        return self.passwords.verify(stored_hash, password)

    def locked_for(self, username: str) -> int | None:
        return self.lockout.locked_for(username.lower())

    def login_failed(self, username: str) -> None:
        self.lockout.failure(username.lower())

    def login_succeeded(self, username: str) -> None:
        self.lockout.success(username.lower())

    # e-mail verification
    def send_verification(self, user: Mapping[str, Any]) -> None:
        """Create the e-mail verification token; in demo mode the "e-mail" goes to the log and the outbox."""
        token = self.verification.issue(int(user["id"]))
        if not self.settings.demo:
            log.info("verification e-mail queued for user %s", user["id"])  # a real deployment sends mail here
            return
        log.warning("DEMO MAIL to %s: verify with POST /api/v1/auth/verify {\"token\": \"%s\"}",
                    user["email"], token)
        if self.settings.outbox is not None:
            line = json.dumps({"to": user["email"], "subject": "Verify your e-mail", "token": token})
            with self.settings.outbox.open("a", encoding="utf-8") as outbox:
                outbox.write(line + "\n")

    def check_verification(self, token: str) -> int:
        return self.verification.check(token)

    # access and refresh tokens
    def _scopes_for(self, user: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        roles = ("admin",) if user["role"] == "admin" else ()
        scopes = USER_SCOPES + (("admin",) if roles else ())
        return scopes, roles

    def _access_token(self, subject: str, scopes: Iterable[str], roles: Iterable[str] = (),
                      claims: Mapping[str, Any] | None = None) -> str:
        return self.jwt.issue(subject, scopes, self.settings.access_ttl, roles=roles, claims=claims)

    def issue_tokens(self, user: Mapping[str, Any]) -> dict[str, Any]:
        """A fresh login: an access token and the first refresh token of a new family."""
        scopes, roles = self._scopes_for(user)
        grant = self.refresh.issue(str(user["id"]), scopes)
        return {"access_token": self._access_token(str(user["id"]), scopes, roles), "token_type": "Bearer",
                "expires_in": self.settings.access_ttl, "refresh_token": grant.token, "scope": " ".join(scopes)}

    def rotate_tokens(self, token: str, load_user: Callable[[int], Mapping[str, Any] | None]) -> dict[str, Any]:
        """Spend ``token`` and answer with its successor and a new access token (current role and scopes)."""
        grant = self.refresh.rotate(token)
        user = load_user(int(grant.subject))
        if user is None:
            self.refresh.revoke_family(grant.family)
            raise TokenRevoked("the account no longer exists")
        scopes, roles = self._scopes_for(user)
        return {"access_token": self._access_token(grant.subject, scopes, roles), "token_type": "Bearer",
                "expires_in": self.settings.access_ttl, "refresh_token": grant.token, "scope": " ".join(scopes)}

    def logout(self, who: Caller, refresh_token: str) -> None:
        """End the session named by ``refresh_token``: revoke its family and the access token of this call.

        An unknown, spent or expired refresh token raises :class:`TokenError` and revokes nothing, so a
        request with a made-up body cannot log anyone out. A live token of another account (leaked to the
        caller) is revoked, but the caller's own session is left alone.
        """
        grant = self.refresh.rotate(refresh_token)
        self.refresh.revoke_family(grant.family)
        if grant.subject == who.subject and who.token_id and who.expires_at:
            self.jwt.revoke_jti(who.token_id, who.expires_at)

    def verify_access_token(self, token: str) -> Caller:
        principal = self.jwt.verify(token)
        jti = principal.claims.get("jti")
        return Caller(subject=principal.subject, scopes=principal.scopes, roles=principal.roles, via="bearer",
                      token_id=jti if isinstance(jti, str) else None, expires_at=principal.expires_at,
                      claims=principal.claims)

    # API keys
    def create_api_key(self, owner_id: int, scopes: Iterable[str]) -> tuple[str, str, str]:
        """``(key_id, full key shown once, hash to store)``; the secret part is 256 random bits."""
        del owner_id, scopes  # recorded by the caller next to the hash
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        return key_id, f"tk_{key_id}.{secret}", _digest(secret)

    def verify_api_key(self, presented: str) -> Caller:
        prefix, _, rest = presented.partition("_")
        key_id, _, secret = rest.partition(".")
        if prefix != "tk" or not key_id or not secret or len(presented) > 200:
            raise TokenError("malformed API key", reason="invalid_token")
        with self.engine.connect() as conn:
            row = repo.api_key(conn, key_id)
        expected = row["secret_hash"] if row is not None else _digest("no-such-key")
        if row is None or not hmac.compare_digest(expected, _digest(secret)):
            raise TokenError("unknown API key", reason="invalid_token")
        scopes = frozenset(str(row["scopes"]).split()) & CLIENT_SCOPES
        return Caller(subject=str(row["owner_id"]), scopes=scopes, roles=frozenset(), via="api_key")

    # OAuth 2.0 authorization code with PKCE
    def oauth_authorize(self, who: Caller, request: Mapping[str, Any]) -> str:
        with self.engine.connect() as conn:
            client = repo.oauth_client(conn, str(request["client_id"]))
        if client is None:
            raise TokenError("unknown client", reason="invalid_client")
        if not hmac.compare_digest(str(client["redirect_uri"]), str(request["redirect_uri"])):
            raise TokenError("redirect_uri does not match the registered one", reason="invalid_request")
        allowed = set(str(client["scopes"]).split())
        wanted = set(str(request.get("scope") or " ".join(sorted(allowed))).split())
        if not wanted or not wanted <= allowed or not wanted <= who.scopes:
            raise TokenError("scope not allowed for this client", reason="invalid_scope")
        code = self.codes.issue({"client_id": client["client_id"], "redirect_uri": client["redirect_uri"],
                                 "sub": who.subject, "scope": " ".join(sorted(wanted)),
                                 "challenge": request["code_challenge"]})
        query = {"code": code, **({"state": request["state"]} if request.get("state") else {})}
        return f"{client['redirect_uri']}?{urlencode(query)}"

    def oauth_exchange(self, *, code: str, client_id: str, redirect_uri: str, code_verifier: str) -> dict[str, Any]:
        grant = self.codes.redeem(code)
        if not (hmac.compare_digest(grant["client_id"], client_id)
                and hmac.compare_digest(grant["redirect_uri"], redirect_uri)):
            raise TokenError("code issued to another client or redirect", reason="invalid_grant")
        if not 43 <= len(code_verifier) <= 128:
            raise TokenError("bad code_verifier", reason="invalid_grant")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
        if not hmac.compare_digest(challenge, grant["challenge"]):
            raise TokenError("PKCE verification failed", reason="invalid_grant")
        scopes = tuple(grant["scope"].split())
        access = self._access_token(grant["sub"], scopes, claims={"client_id": client_id})
        return {"access_token": access, "token_type": "Bearer", "expires_in": self.settings.access_ttl,
                "scope": grant["scope"]}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
