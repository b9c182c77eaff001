"""OAuth 2.0 clients, authorization codes and tokens, kept in the apishield store.

Only hashes of secrets are stored: client secrets, authorization codes, access and refresh tokens are all
high-entropy random strings, so SHA-256 is enough (no password hashing needed) and a leaked store yields
nothing usable. Every token belongs to a *family* (one authorization); revoking the family kills all of it.
With ``revocations`` (:class:`~apishield.auth.revocation.Revocations`), a token is also refused when its user
was revoked after it was issued (a password change, "log out everywhere"): the check is the one the JWT
access tokens use, on the OAuth server's own namespace.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin

from apishield.errors import ConfigError, TokenRevoked
from apishield.stores.base import Store
from apishield.types import Clock

if TYPE_CHECKING:
    from apishield.auth.revocation import Revocations

GRANT_TYPES = frozenset({"authorization_code", "refresh_token", "client_credentials"})


def digest(value: str) -> str:
    """SHA-256 hex of a high-entropy secret (lone surrogates from JSON input hash instead of crashing)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _check_redirect_uri(uri: str) -> None:
    try:
        parts = urlsplit(uri)
    except ValueError as exc:
        raise ConfigError(f"OAuth2 client: redirect URI {uri!r} is not a URL") from exc
    loopback = parts.hostname in ("127.0.0.1", "::1", "localhost")
    if parts.fragment or not parts.hostname or (parts.scheme != "https" and not (parts.scheme == "http" and loopback)):
        raise ConfigError(
            f"OAuth2 client: redirect URI {uri!r} must be an absolute https:// URL without a fragment "
            "(http:// only for loopback)"
        )


@dataclass(slots=True)
class EndUser:
    """The resource owner, as far as the authorization server needs to know."""

    subject: str

    def get_user_id(self) -> str:
        return self.subject


@dataclass(slots=True)
class Client(ClientMixin):  # type: ignore[misc]
    """A registered client. ``secret_hash`` is empty for public clients (auth method ``none``)."""

    client_id: str
    name: str
    redirect_uris: list[str]
    scopes: list[str]
    grant_types: list[str]
    secret_hash: str = ""
    can_introspect: bool = False

    @property
    def is_public(self) -> bool:
        return not self.secret_hash

    @property
    def token_endpoint_auth_method(self) -> str:
        return "none" if self.is_public else "client_secret_basic"

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        allowed = set(self.scopes)
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Exact string match against a registered URI (no prefix or pattern matching)."""
        return any(hmac.compare_digest(redirect_uri, uri) for uri in self.redirect_uris)

    def check_client_secret(self, client_secret: str) -> bool:
        if self.is_public or not isinstance(client_secret, str):
            return False
        return hmac.compare_digest(digest(client_secret), self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.is_public:
            return method == "none" and endpoint == "token"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "client_credentials" and self.is_public:
            return False
        return grant_type in self.grant_types

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> Client:
        return cls(**json.loads(raw))


@dataclass(slots=True)
class AuthorizationCode(AuthorizationCodeMixin):  # type: ignore[misc]
    client_id: str
    subject: str
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str
    expires_at: float
    nonce: str | None = None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int | None:
        return None


@dataclass(slots=True)
class Token(TokenMixin):  # type: ignore[misc]
    """An access or refresh token record (``kind``), looked up by the hash of its value."""

    kind: str
    token_hash: str
    client_id: str
    subject: str | None
    scope: str
    issued_at: float
    expires_at: float
    family: str
    revoked: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def check_client(self, client: Client) -> bool:
        return hmac.compare_digest(self.client_id, client.get_client_id())

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int(self.expires_at - self.issued_at)

    def is_expired(self) -> bool:
        return bool(self.extra.get("_expired", False))

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> EndUser | None:
        return EndUser(self.subject) if self.subject else None

    def get_client_id(self) -> str:
        return self.client_id


class OAuthStore:
    """Persistence of clients, codes and tokens in a :class:`~apishield.stores.base.Store`."""

    def __init__(self, store: Store, *, namespace: str = "oauth2", clock: Clock = time.time,
                 revocations: Revocations | None = None) -> None:
        self.store = store
        self.ns = namespace
        self.clock = clock
        self.revocations = revocations

    def _k(self, *parts: str) -> str:
        return ":".join((self.ns, *parts))

    # clients
    def register_client(
        self,
        name: str,
        redirect_uris: Iterable[str] = (),
        scopes: Iterable[str] = (),
        grant_types: Iterable[str] = ("authorization_code", "refresh_token"),
        *,
        public: bool = False,
        can_introspect: bool = False,
    ) -> tuple[Client, str | None]:
        """Register a client; returns it and its secret (``None`` for public clients). Shown once."""
        uris = list(redirect_uris)
        grants = list(grant_types)
        unknown = set(grants) - GRANT_TYPES
        if unknown:
            raise ConfigError(f"OAuth2 client: unsupported grant types {sorted(unknown)}; use {sorted(GRANT_TYPES)}")
        if "authorization_code" in grants and not uris:
            raise ConfigError("OAuth2 client: the authorization_code grant needs at least one redirect URI")
        if public and "client_credentials" in grants:
            raise ConfigError("OAuth2 client: public clients cannot use client_credentials")
        for uri in uris:
            _check_redirect_uri(uri)
        secret = None if public else secrets.token_urlsafe(32)
        client = Client(
            client_id=secrets.token_urlsafe(16), name=name, redirect_uris=uris, scopes=sorted(set(scopes)),
            grant_types=grants, secret_hash=digest(secret) if secret else "", can_introspect=can_introspect,
        )
        self.store.set(self._k("client", client.client_id), client.to_json())
        return client, secret

    def get_client(self, client_id: Any) -> Client | None:
        if not isinstance(client_id, str) or not 0 < len(client_id) <= 128:
            return None
        raw = self.store.get(self._k("client", client_id))
        return None if raw is None else Client.from_json(raw)

    # authorization codes (single use: popped atomically)
    def save_code(self, code: str, record: AuthorizationCode, ttl: float) -> None:
        self.store.set(self._k("code", digest(code)), json.dumps(asdict(record)), ttl=ttl)

    def pop_code(self, code: Any) -> AuthorizationCode | None:
        if not isinstance(code, str) or not 0 < len(code) <= 256:
            return None
        raw = self.store.pop(self._k("code", digest(code)))
        if raw is None:
            return None
        record = AuthorizationCode(**json.loads(raw))
        return record if record.expires_at > self.clock() else None

    def mark_code_used(self, code: str, family: str, ttl: float) -> None:
        """Remember which token family a redeemed code started, so a second use can revoke it."""
        self.store.set(self._k("code-used", digest(code)), family, ttl=ttl)

    def revoke_code_family(self, code: Any) -> bool:
        """A code presented again after redemption leaked: revoke every token issued from it."""
        if not isinstance(code, str) or not 0 < len(code) <= 256:
            return False
        family = self.store.get(self._k("code-used", digest(code)))
        if family is None:
            return False
        self.revoke_family(family)
        return True

    # tokens
    def save_token(self, value: str, token: Token) -> None:
        ttl = max(1.0, token.expires_at - self.clock())
        self.store.set(self._k(token.kind, token.token_hash), json.dumps(asdict(token)), ttl=ttl)

    def _decode(self, raw: str | None) -> Token | None:
        if raw is None:
            return None
        token = Token(**json.loads(raw))
        if self.store.get(self._k("family-revoked", token.family)) is not None:
            token.revoked = True
        elif token.subject and self.revocations is not None:
            try:
                self.revocations.check({"sub": token.subject, "iat": token.issued_at})
            except TokenRevoked:
                token.revoked = True
        if token.expires_at <= self.clock():
            token.extra["_expired"] = True
        return token

    def get_token(self, kind: str, value: Any) -> Token | None:
        if not isinstance(value, str) or not 0 < len(value) <= 512:
            return None
        return self._decode(self.store.get(self._k(kind, digest(value))))

    def find_refresh(self, value: Any) -> Token | None:
        """Look up a refresh token; presenting one that was already rotated revokes its whole family."""
        if not isinstance(value, str) or not 0 < len(value) <= 512:
            return None
        h = digest(value)
        token = self._decode(self.store.get(self._k("refresh", h)))
        if token is None:
            family = self.store.get(self._k("refresh-used", h))
            if family is not None:
                self.revoke_family(family)
        return token

    def consume_refresh(self, token: Token) -> bool:
        """Atomically use up a refresh token after rotation. False (and the family revoked) when a
        concurrent request consumed it first: two parallel uses of one refresh token mean a copy exists."""
        raw = self.store.pop(self._k("refresh", token.token_hash))
        self.store.set(self._k("refresh-used", token.token_hash), token.family,
                       ttl=max(60.0, token.expires_at - self.clock()))
        if raw is None:
            self.revoke_family(token.family)
            return False
        return True

    def revoke_family(self, family: str, ttl: float = 90 * 86_400.0) -> None:
        self.store.set(self._k("family-revoked", family), "1", ttl=ttl)

    def delete_access_token(self, token: Token) -> None:
        self.store.delete(self._k("access", token.token_hash))


__all__ = ["AuthorizationCode", "Client", "EndUser", "OAuthStore", "Token", "digest"]
