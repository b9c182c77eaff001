"""Everything security-related in the Task API, in one module: where the application meets apishield.

* The apishield Flask extension guards every route (deny-by-default authentication, per-route scopes and
  roles, rate limits, CORS per environment, security headers, problem+json errors). Views only declare
  :func:`public`, :func:`require` and :func:`limit`; the extension is installed in ``app.py`` with
  :meth:`Security.shield_config` and :meth:`Security.shield_components`.
* Credentials, all from :mod:`apishield.auth`: argon2id passwords with a NIST-style policy
  (:class:`~apishield.auth.passwords.Passwords`), login throttling per account and address
  (:class:`~apishield.auth.lockout.LoginService`), short-lived JWT access tokens
  (:class:`~apishield.auth.jwt.JWTAuth`) with rotating refresh tokens whose reuse revokes the family
  (:class:`~apishield.auth.refresh.RefreshTokens`), single-use signed e-mail verification tokens
  (:class:`~apishield.auth.tokens.SignedTokens`), peppered API keys for service clients
  (:class:`~apishield.auth.apikeys.APIKeyManager`) and an OAuth 2.0 authorization server with PKCE for
  third-party clients (:class:`~apishield.auth.oauth2.server.OAuth2Server`).
* Accounts are keyed on canonical identities (:mod:`apishield.auth.identity`): user names and e-mail
  addresses are NFKC + case folded and unique in that form, and a user name whose confusable skeleton is
  taken is refused. Login reserves its attempt before hashing and exempts known devices (signed device
  cookie) from the account lock (:class:`~apishield.auth.lockout.LoginThrottle`).
* Access tokens carry their session (``sid`` = refresh family): logout and refresh-token reuse revoke the
  session's access tokens too; a role change, password change, "log out everywhere" or an administrator's
  action refuses every earlier token of the account (:mod:`apishield.auth.revocation`).
* Shared state (limits, lockouts, refresh families, revocations, codes, keys) lives in one apishield store
  (SQLite or Redis), so every gunicorn worker sees the same state. When it fails, login, refresh and token
  checks answer 503 with ``Retry-After`` (fail closed), never 500.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Flask, current_app

from apishield.auth.apikeys import APIKeyManager
from apishield.auth.authenticators import APIKeyAuthenticator
from apishield.auth.identity import canonical_email, canonical_username, username_skeleton
from apishield.auth.jwt import JWTAuth
from apishield.auth.lockout import LoginOutcome, LoginService, LoginThrottle
from apishield.auth.oauth2.server import OAuth2Server, OAuthRequest, OAuthResponse
from apishield.auth.passwords import Passwords
from apishield.auth.refresh import RefreshTokens
from apishield.auth.tokens import SignedTokens
from apishield.errors import Reject, TokenError, TokenRevoked
from apishield.integrations.flask import current_principal
from apishield.request import RequestView, TrustedProxies
from apishield.shield import PUBLIC, RouteSettings, with_settings
from apishield.stores import from_url
from apishield.web.cookies import build_set_cookie
from taskapi import repo
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
    via: str = "jwt"
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
    if principal is None:  # pragma: no cover - the shield refuses anonymous calls before the view runs
        raise TokenError("no authenticated principal", reason="invalid_request")
    claims = dict(getattr(principal, "claims", {}) or {})
    jti = claims.get("jti")
    return Caller(subject=str(principal.subject), scopes=frozenset(principal.scopes),
                  roles=frozenset(getattr(principal, "roles", ())), via=str(getattr(principal, "auth_method", "")),
                  token_id=jti if isinstance(jti, str) else None, expires_at=getattr(principal, "expires_at", None),
                  claims=claims)


def get_security() -> Security:
    sec = current_app.extensions[EXTENSION]
    if not isinstance(sec, Security):  # pragma: no cover - only one object is ever registered here
        raise RuntimeError("taskapi security is not installed")
    return sec


class BearerAuthenticator:
    """``Authorization: Bearer <token>``: our own JWT access tokens, or opaque tokens of the OAuth server.

    One authenticator for both, so a token of one kind is never refused by the other's verifier first.
    """

    auth_method = "bearer"

    def __init__(self, jwt: JWTAuth, oauth: OAuth2Server) -> None:
        self.jwt = jwt
        self.oauth = oauth

    def authenticate(self, view: RequestView) -> Any:
        header = view.headers.get("authorization")
        if not isinstance(header, str):
            return None
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = token.strip()
        if not token:
            raise TokenError("empty bearer token", reason="invalid_request")
        if token.count(".") == 2:
            return self.jwt.verify(token)
        return self.oauth.principal_for(token)


# --- the security object ------------------------------------------------------------------------------
class Security:
    """Credentials and state for one application instance. Built once in the app factory."""

    def __init__(self, settings: Settings, engine: Any, *, clock: Callable[[], float] = time.time,
                 store: Any = None, passwords: Passwords | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.clock = clock
        self.store = store if store is not None else from_url(settings.state_url, clock=clock)
        secret = settings.jwt_secret
        self.passwords = passwords or Passwords()  # argon2id, argon2-cffi's RFC 9106 low-memory profile
        self.proxies = TrustedProxies(settings.trusted_proxies)
        self.throttle = LoginThrottle(self.store, namespace="taskapi:login", clock=clock,
                                      device_secret=_derive(secret, "device-cookie"))
        self.jwt = JWTAuth(secret, "HS256", issuer=ISSUER, audience=ISSUER, leeway=5, store=self.store,
                           namespace="taskapi:jwt", clock=clock)
        self.refresh = RefreshTokens(self.store, ttl=settings.refresh_ttl, namespace="taskapi:refresh", clock=clock,
                                     on_family_revoked=self.jwt.revoke_family)
        self.verification = SignedTokens(_derive(secret, "email-verify"), "email-verify", self.store,
                                         max_age=86_400, namespace="taskapi:signed", clock=clock)
        self.api_keys = APIKeyManager(self.store, _derive(secret, "api-key-pepper"), prefix="tk",
                                      namespace="taskapi:apikey", clock=clock)
        self.oauth = OAuth2Server(self.store, settings.public_url, scopes=sorted(CLIENT_SCOPES),
                                  consent=_consent, access_token_ttl=settings.access_ttl, clock=clock)

    def register(self, app: Flask) -> None:
        app.extensions[EXTENSION] = self

    def shield_config(self) -> dict[str, Any]:
        """The apishield configuration: production mode outside development, CORS origins per environment."""
        dev = not self.settings.production
        return {
            "mode": "development" if dev else "production",
            "trusted_proxies": list(self.settings.trusted_proxies),
            "rate_limit": {"default_limits": [self.settings.rate_limit], "key": "ip"},
            "penalties": {"exempt": list(self.settings.penalty_exempt)},
            "cors": {"origins": list(self.settings.cors_origins), "allow_credentials": False},
            "csrf": {"enabled": False},  # bearer tokens and API keys only: no ambient credentials to forge
        }

    def shield_components(self) -> dict[str, Any]:
        """What the shield is built from besides its configuration: authenticators, the shared store, the clock."""
        authenticators = [BearerAuthenticator(self.jwt, self.oauth),
                          APIKeyAuthenticator(self.api_keys, header="X-API-Key", scheme=None)]
        return {"authenticators": authenticators, "store": self.store, "clock": self.clock}

    def client_ip(self, peer: str | None, headers: Mapping[str, str]) -> str:
        """The caller's address: ``X-Forwarded-For`` is believed only from ``TASKAPI_TRUSTED_PROXIES``."""
        return self.proxies.client_ip(peer or "unknown", headers)

    # identities, passwords and login
    @staticmethod
    def identity(username: str, email: str) -> tuple[str, str, str]:
        """(canonical name, its confusable skeleton, canonical e-mail), or 422 naming the field."""
        try:
            name = canonical_username(username)
        except ValueError as exc:
            raise Reject(422, str(exc), title="Invalid User Name") from None
        try:
            address = canonical_email(email)
        except ValueError as exc:
            raise Reject(422, str(exc), title="Invalid E-mail Address") from None
        return name, username_skeleton(name), address

    def password_problems(self, password: str, username: str, email: str) -> list[str]:
        return self.passwords.policy.problems(password, username=username, context=[email])

    def hash_password(self, password: str) -> str:
        return self.passwords.hash(password)

    def login(self, username: str, password: str, client_ip: str, device: str | None,
              lookup: Callable[[str], tuple[str, str] | None], save_hash: Callable[[str, str], None],
              accept: Callable[[str], str | None]) -> LoginOutcome:
        """Throttled password check: the same answer and cost for unknown users and wrong passwords."""
        try:
            name = canonical_username(username)
        except ValueError:
            name = username if isinstance(username, str) else ""  # counted and refused like any wrong name
            lookup = _no_account
        service = LoginService(self.passwords, self.throttle, lookup, save_hash, accept)
        return service.login(name, password, client_ip, device)

    @property
    def device_cookie_name(self) -> str:
        return "__Host-taskapi-device" if self.settings.production else "taskapi-device"

    def device_cookie(self, value: str) -> str:
        """The ``Set-Cookie`` value remembering this device for the account that just logged in."""
        return build_set_cookie(self.device_cookie_name, value, max_age=int(self.throttle.device_max_age),
                                secure=self.settings.production, same_site="Strict")

    # sessions and roles
    def logout_everywhere(self, subject: str) -> None:
        """End every session of ``subject``: refresh families and every access token issued until now, and
        every token third-party apps hold for the account (they ask the user to authorize them again)."""
        self.refresh.revoke_subject(subject)
        self.jwt.revoke_subject(subject)
        self.oauth.revoke_subject(subject)

    def change_role(self, user_id: int, role: str) -> Mapping[str, Any] | None:
        """Set the role and refuse every token issued before (roles ride in the token): the next refresh or
        login picks up the new role."""
        with self.engine.begin() as conn:
            if not repo.set_role(conn, user_id, role):
                return None
            row = repo.user_by_id(conn, user_id)
        self.jwt.revoke_subject(str(user_id))
        return row

    # e-mail (demo mode: the log and the outbox file stand in for a mail server)
    def send_mail(self, to: str, subject: str, **fields: Any) -> None:
        if not self.settings.demo:
            log.info("e-mail queued: %s", subject)  # a real deployment hands the message to its mail service
            return
        log.warning("DEMO MAIL to %s: %s", to, subject)
        if self.settings.outbox is not None:
            line = json.dumps({"to": to, "subject": subject, **fields})
            with self.settings.outbox.open("a", encoding="utf-8") as outbox:
                outbox.write(line + "\n")

    def send_verification(self, user: Mapping[str, Any]) -> None:
        """Create the e-mail verification token and mail it to the new account's address."""
        token = self.verification.issue(str(user["id"]), bind=_registration(user))
        self.send_mail(str(user["email"]), "Verify your e-mail", token=token)

    def check_verification(self, token: str, load_user: Callable[[int], Mapping[str, Any] | None]) -> int:
        """The user id of a valid, unused verification token (single use).

        The token is bound to the registration it was sent for (address and time): when an expired sign-up
        is removed and its id is reused by a later one, the old token verifies nothing.
        """
        user = load_user(int(self.verification.peek(token).subject))
        if user is None:
            raise TokenRevoked("the registration no longer exists")
        return int(self.verification.consume(token, bind=_registration(user)).subject)

    # access and refresh tokens
    def _scopes_for(self, user: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        roles = ("admin",) if user["role"] == "admin" else ()
        scopes = USER_SCOPES + (("admin",) if roles else ())
        return scopes, roles

    def _token_body(self, subject: str, user: Mapping[str, Any], refresh_token: str, family: str) -> dict[str, Any]:
        scopes, roles = self._scopes_for(user)
        access = self.jwt.issue(subject, scopes, self.settings.access_ttl, roles=roles, claims={"sid": family})
        return {"access_token": access, "token_type": "Bearer", "expires_in": self.settings.access_ttl,
                "refresh_token": refresh_token, "scope": " ".join(scopes)}

    def issue_tokens(self, user: Mapping[str, Any]) -> dict[str, Any]:
        """A fresh login: an access token and the first refresh token of a new family."""
        grant = self.refresh.issue(str(user["id"]))
        return self._token_body(str(user["id"]), user, grant.token, grant.family)

    def rotate_tokens(self, token: str, load_user: Callable[[int], Mapping[str, Any] | None]) -> dict[str, Any]:
        """Spend ``token`` and answer with its successor and a new access token (current role and scopes)."""
        grant = self.refresh.rotate(token)
        user = load_user(int(grant.subject))
        if user is None:
            self.refresh.revoke_family(grant.family, grant.subject)
            raise TokenRevoked("the account no longer exists")
        return self._token_body(grant.subject, user, grant.token, grant.family)

    def logout(self, who: Caller, refresh_token: str) -> None:
        """End the session named by ``refresh_token``: revoke its family, every access token minted for it
        (``sid``) and the access token of this call.

        An unknown, spent or expired refresh token raises :class:`TokenError` and revokes nothing, so a
        request with a made-up body cannot log anyone out. A live token of another account (leaked to the
        caller) is revoked, but the caller's own session is left alone.
        """
        grant = self.refresh.rotate(refresh_token)
        self.refresh.revoke_family(grant.family, grant.subject)
        if grant.subject == who.subject and who.token_id and who.expires_at:
            self.jwt.revoke_jti(who.token_id, who.expires_at, subject=who.subject)

    # API keys
    def create_api_key(self, owner_id: int, name: str, scopes: Iterable[str]) -> dict[str, Any]:
        created = self.api_keys.create(name, str(owner_id), scopes=sorted(set(scopes) & CLIENT_SCOPES))
        return {**_key_json(created.record), "key": created.key}

    def list_api_keys(self, owner_id: int) -> list[dict[str, Any]]:
        records = [r for r in self.api_keys.list(str(owner_id)) if not r.revoked]
        return [_key_json(r) for r in sorted(records, key=lambda r: r.created)]

    # OAuth 2.0: clients, consent, codes and tokens
    def register_oauth_client(self, name: str, redirect_uri: str, scopes: Iterable[str]) -> str:
        client, _secret = self.oauth.data.register_client(
            name, [redirect_uri], sorted(set(scopes) & CLIENT_SCOPES),
            grant_types=("authorization_code", "refresh_token"), public=True)
        return str(client.client_id)

    def oauth_authorize(self, who: Caller, params: Mapping[str, Any]) -> OAuthResponse:
        """The logged-in user approves ``params`` (an authorization request); scopes never exceed theirs."""
        query = urlencode({k: str(v) for k, v in params.items()})
        request = OAuthRequest("GET", f"{self.oauth.issuer}/oauth/authorize?{query}", {}, {})
        client = self.oauth.data.get_client(params.get("client_id"))
        wanted = set(str(params.get("scope", "")).split())
        if client is not None and not (wanted and wanted <= who.scopes and wanted <= set(client.scopes)):
            return OAuthResponse(400, [("Content-Type", "application/json")], b'{"error":"invalid_scope"}')
        return self.oauth.authorize(request, who.subject)

    def oauth_token(self, headers: Mapping[str, str], body: bytes) -> OAuthResponse:
        request = OAuthRequest.build("POST", f"{self.oauth.issuer}/oauth/token", headers, body)
        response = self.oauth.handle(request)
        if response is None:  # pragma: no cover - the path is the server's own token path
            raise TokenError("not an OAuth path", reason="invalid_request")
        return response


def _registration(user: Mapping[str, Any]) -> str:
    return f"{user['email']}|{user['created_at']}"


def _no_account(name: str) -> None:
    del name
    return None


def _consent(user: str, client: Any, requested: list[str]) -> list[str]:
    """Grant only task scopes the client registered for (the user approved them in the authorize call)."""
    del user
    return [s for s in requested if s in CLIENT_SCOPES and s in set(client.scopes)]


def _key_json(record: Any) -> dict[str, Any]:
    return {"id": record.key_id, "name": record.name, "scopes": list(record.scopes), "created_at": int(record.created)}


def _derive(secret: str, purpose: str) -> str:
    """A separate key per purpose from the one configured secret (HMAC-SHA256 as the derivation function)."""
    return hmac.new(secret.encode(), f"taskapi:{purpose}".encode(), hashlib.sha256).hexdigest()
