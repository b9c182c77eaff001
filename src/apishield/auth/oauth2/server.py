"""A framework-free OAuth 2.0 authorization server on Authlib's server core.

Grants: authorization code with PKCE (``S256`` required for every client; ``plain`` refused), client
credentials, refresh token (rotated on every use; reusing a rotated one revokes the whole family).
Endpoints: authorize, token, revocation (RFC 7009), introspection (RFC 7662), metadata (RFC 8414).

Mount it on any framework with :meth:`OAuth2Server.handle`, which takes an :class:`OAuthRequest` (build one
with :meth:`OAuthRequest.from_wsgi` or :meth:`OAuthRequest.from_view`) and returns an
:class:`OAuthResponse` ``(status, headers, body)``. Authenticating the end user is the application's job:
pass the logged-in subject as ``user`` to the authorize endpoint; the ``consent`` hook decides what to grant.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast
from urllib.parse import parse_qs, urlsplit

from authlib.oauth2 import AuthorizationServer, OAuth2Error
from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError, OAuth2Request, grants
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

from apishield.auth.oauth2.models import AuthorizationCode, Client, EndUser, OAuthStore, Token, digest
from apishield.auth.principal import Principal, parse_scopes
from apishield.auth.refresh import TOKEN_RESPONSE_HEADERS
from apishield.auth.revocation import Revocations
from apishield.errors import ConfigError, TokenError
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.stores.base import Store
from apishield.types import Clock

ConsentHook = Callable[[str, Client, list[str]], "bool | Iterable[str]"]
MAX_BODY = 64 * 1024


@dataclass(slots=True)
class OAuthRequest:
    """What the server needs from an HTTP request. ``url`` is the full external URL (with query string)."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    form: dict[str, list[str]] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @classmethod
    def build(cls, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> OAuthRequest:
        form: dict[str, list[str]] = {}
        ctype = str(headers.get("content-type") or headers.get("Content-Type") or "")
        if body and ctype.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            text = body[:MAX_BODY].decode("utf-8", errors="replace")
            form = parse_qs(text, keep_blank_values=True)
        return cls(method.upper(), url, {k.lower(): v for k, v in headers.items()}, form)

    @classmethod
    def from_view(cls, view: RequestView, host: str | None = None) -> OAuthRequest:
        """From apishield's :class:`RequestView` (``host`` defaults to the Host header)."""
        authority = host or str(view.headers.get("host") or "localhost")
        url = f"{view.scheme}://{authority}{view.path}" + (f"?{view.query_string}" if view.query_string else "")
        return cls.build(view.method, url, dict(view.headers.items()), view.body)

    @classmethod
    def from_wsgi(cls, environ: Mapping[str, Any]) -> OAuthRequest:
        """From a WSGI environ (reads at most 64 KiB of body)."""
        scheme = str(environ.get("wsgi.url_scheme", "http"))
        host = str(environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}")
        query = str(environ.get("QUERY_STRING", ""))
        url = f"{scheme}://{host}{environ.get('PATH_INFO', '')}" + (f"?{query}" if query else "")
        headers = {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        try:
            length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        return cls.build(str(environ.get("REQUEST_METHOD", "GET")), url, headers, body)


@dataclass(frozen=True, slots=True)
class OAuthResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class _Payload(BasicOAuth2Payload):  # type: ignore[misc]
    def __init__(self, values: dict[str, list[str]]) -> None:
        self._datalist = values
        self._data = {k: v[0] for k, v in values.items() if v}


class _Request(OAuth2Request):  # type: ignore[misc]
    def __init__(self, request: OAuthRequest) -> None:
        super().__init__(method=request.method, uri=request.url, headers=CaseInsensitiveHeaders(request.headers))
        query = parse_qs(urlsplit(request.url).query, keep_blank_values=True)
        merged = {**query, **request.form} if request.method == "POST" else query
        self.payload = _Payload(merged)
        self._args = {k: v[0] for k, v in query.items() if v}
        self._form = {k: v[0] for k, v in request.form.items() if v}
        self.granted_scopes: list[str] | None = None
        self.code_family: str | None = None  # the token family a redeemed authorization code starts

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class _S256Only(CodeChallenge):  # type: ignore[misc]
    """PKCE required for every client, and only the ``S256`` method (``plain`` leaks the verifier)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported")
        super().validate_code_challenge(grant, redirect_uri)


class OAuth2Server(AuthorizationServer):  # type: ignore[misc]
    """The authorization server. ``issuer`` is its https base URL (RFC 8414 ``issuer``)."""

    def __init__(
        self,
        store: Store,
        issuer: str,
        *,
        scopes: Sequence[str] = (),
        consent: ConsentHook | None = None,
        access_token_ttl: float = 900.0,
        refresh_token_ttl: float = 14 * 86_400.0,
        code_ttl: float = 60.0,
        paths: Mapping[str, str] | None = None,
        clock: Clock = time.time,
    ) -> None:
        super().__init__(scopes_supported=list(scopes) or None)
        parts = urlsplit(issuer) if isinstance(issuer, str) else None
        loopback = parts is not None and parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts is None or parts.query or parts.fragment or not (
            parts.scheme == "https" or (parts.scheme == "http" and loopback)
        ):
            raise ConfigError("OAuth2: issuer must be an https:// URL without query or fragment")
        self.issuer = issuer.rstrip("/")
        # "not before" per user, kept as long as the longest-lived token it must refuse
        self.revocations = Revocations(store, namespace="oauth2", max_ttl=max(access_token_ttl, refresh_token_ttl),
                                       leeway=0.0, clock=clock)
        self.data = OAuthStore(store, clock=clock, revocations=self.revocations)
        self.consent = consent
        self.access_token_ttl = float(access_token_ttl)
        self.refresh_token_ttl = float(refresh_token_ttl)
        self.code_ttl = float(code_ttl)
        self.clock = clock
        self.paths = {
            "authorize": "/oauth/authorize",
            "token": "/oauth/token",
            "revoke": "/oauth/revoke",
            "introspect": "/oauth/introspect",
            "metadata": "/.well-known/oauth-authorization-server",
            **(paths or {}),
        }
        self._routes = {path: name for name, path in self.paths.items()}
        self.register_token_generator("default", self._generate_token)
        self.register_grant(_AuthorizationCodeGrant, [_S256Only(required=True)])
        self.register_grant(_ClientCredentialsGrant)
        self.register_grant(_RefreshTokenGrant)
        self.register_endpoint(_Revocation)
        self.register_endpoint(_Introspection)

    # --- Authlib hooks --------------------------------------------------------------------------
    def query_client(self, client_id: str) -> Client | None:
        return self.data.get_client(client_id)

    def _generate_token(
        self,
        grant_type: str,
        client: Client,
        user: EndUser | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": secrets.token_urlsafe(32),
            "expires_in": int(expires_in or self.access_token_ttl),
        }
        if scope:
            token["scope"] = scope
        if include_refresh_token and client.check_grant_type("refresh_token") and user is not None:
            token["refresh_token"] = secrets.token_urlsafe(32)
        return token

    def save_token(self, token: dict[str, Any], request: _Request) -> None:
        now = self.clock()
        old = request.refresh_token if isinstance(request.refresh_token, Token) else None
        family = old.family if old is not None else request.code_family or secrets.token_urlsafe(12)
        subject = request.user.get_user_id() if request.user is not None else None
        client_id = request.client.get_client_id()
        scope = str(token.get("scope") or "")
        access = str(token["access_token"])
        self.data.save_token(access, Token("access", digest(access), client_id, subject, scope, now,
                                           now + float(token["expires_in"]), family))
        refresh = token.get("refresh_token")
        if refresh:
            self.data.save_token(str(refresh), Token("refresh", digest(str(refresh)), client_id, subject, scope,
                                                     now, now + self.refresh_token_ttl, family))

    def create_oauth2_request(self, request: Any) -> _Request:
        if isinstance(request, _Request):
            return request
        if isinstance(request, OAuthRequest):
            return _Request(request)
        raise TypeError("OAuth2Server expects an OAuthRequest")

    def create_json_request(self, request: Any) -> _Request:
        return self.create_oauth2_request(request)

    def handle_response(self, status: int, body: Any, headers: Iterable[tuple[str, str]]) -> OAuthResponse:
        payload = json.dumps(body).encode() if isinstance(body, dict) else (body or "").encode()
        out = [(str(k), str(v)) for k, v in headers]
        if status in (400, 401) and isinstance(body, dict):
            out.append(("Cache-Control", "no-store"))
        return OAuthResponse(status, out, payload)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    # --- entry points ---------------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        """The RFC 8414 authorization server metadata document."""
        doc = AuthorizationServerMetadata({
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + self.paths["authorize"],
            "token_endpoint": self.issuer + self.paths["token"],
            "revocation_endpoint": self.issuer + self.paths["revoke"],
            "introspection_endpoint": self.issuer + self.paths["introspect"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            **({"scopes_supported": list(self.scopes_supported)} if self.scopes_supported else {}),
        })
        doc.validate()
        return dict(doc)

    def handle(self, request: OAuthRequest, user: str | None = None) -> OAuthResponse | None:
        """Answer a request for one of our paths; ``None`` when the path is not ours."""
        name = self._routes.get(request.path)
        if name is None:
            return None
        json_headers = [("Content-Type", "application/json"), *TOKEN_RESPONSE_HEADERS.items()]
        try:
            if name == "metadata":
                return OAuthResponse(200, [("Content-Type", "application/json")], json.dumps(self.metadata()).encode())
            if name == "authorize":
                return self.authorize(request, user)
            if request.method != "POST":
                return OAuthResponse(405, [("Allow", "POST"), *json_headers], b'{"error":"invalid_request"}')
            if name == "token":
                return self.create_token_response(request)  # type: ignore[no-any-return]
            endpoint = "revocation" if name == "revoke" else "introspection"
            return self.create_endpoint_response(endpoint, request)  # type: ignore[no-any-return]
        except OAuth2Error as error:
            return self.handle_error_response(request, error)  # type: ignore[no-any-return]
        except (ValueError, TypeError, KeyError, UnicodeError):
            # Authlib refuses to build some error descriptions from hostile input (quotes, control
            # characters); that is still the client's bad request, never a 500.
            body = b'{"error":"invalid_request"}'
            return OAuthResponse(400, json_headers, body)

    def authorize(self, request: OAuthRequest, user: str | None) -> OAuthResponse:
        """The authorization endpoint for a logged-in ``user``; the consent hook decides the scopes."""
        if not user:
            body = json.dumps({"error": "login_required", "error_description": "authenticate the user first"})
            return OAuthResponse(401, [("Content-Type", "application/json")], body.encode())
        oauth_request = self.create_oauth2_request(request)
        try:
            grant = self.get_consent_grant(oauth_request, end_user=EndUser(user))
        except OAuth2Error as error:
            redirect = getattr(error, "redirect_uri", None)
            if redirect:
                return self.handle_error_response(oauth_request, error)  # type: ignore[no-any-return]
            return self.handle_response(*error())
        client: Client = grant.client
        requested = (oauth_request.scope or "").split()
        granted: list[str] = requested
        if self.consent is not None:
            decision = self.consent(user, client, requested)
            if decision is False:
                return cast(OAuthResponse, self.create_authorization_response(oauth_request, None, grant))
            if decision is not True:
                granted = [s for s in decision if s in requested]
        oauth_request.granted_scopes = granted  # applied when the code is saved (Authlib re-resolves scope)
        return cast(OAuthResponse, self.create_authorization_response(oauth_request, EndUser(user), grant))

    def revoke_subject(self, subject: str) -> None:
        """Refuse every access and refresh token issued to ``subject``'s grants until now, for every client
        (a password change, "log out everywhere", an administrator's action). Grants made afterwards work."""
        self.revocations.revoke_subject(subject)

    # --- resource-server side -------------------------------------------------------------------
    def principal_for(self, access_token: Any) -> Principal:
        """The principal of a valid access token, or :class:`TokenError`."""
        token = self.data.get_token("access", access_token)
        if token is None or token.is_revoked() or token.is_expired():
            raise TokenError("invalid OAuth2 access token", reason="invalid_token")
        return Principal(
            subject=token.subject or f"client:{token.client_id}",
            scopes=parse_scopes(token.scope),
            auth_method="oauth2",
            expires_at=token.expires_at,
            claims={"client_id": token.client_id, "scope": token.scope},
        )


def _granted(request: _Request) -> str:
    scopes = str(request.scope or "").split()
    if request.granted_scopes is not None:
        scopes = [s for s in scopes if s in request.granted_scopes]
    return " ".join(scopes)


class _AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post", "none"]

    @property
    def _server(self) -> OAuth2Server:
        return self.server  # type: ignore[no-any-return]

    def save_authorization_code(self, code: str, request: _Request) -> None:
        data = request.payload.data
        record = AuthorizationCode(
            client_id=request.client.get_client_id(),
            subject=request.user.get_user_id(),
            redirect_uri=str(data.get("redirect_uri") or ""),
            scope=_granted(request),
            code_challenge=str(data.get("code_challenge") or ""),
            code_challenge_method=str(data.get("code_challenge_method") or ""),
            expires_at=self._server.clock() + self._server.code_ttl,
            nonce=data.get("nonce"),
        )
        self._server.data.save_code(code, record, self._server.code_ttl)

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        data = self._server.data
        record = data.pop_code(code)
        if record is None:
            data.revoke_code_family(code)  # a redeemed code used again: revoke what it issued (RFC 6749 4.1.2)
            return None
        if record.client_id != client.get_client_id():
            return None
        # the family is fixed now, before any token exists, so a reuse racing this exchange still revokes it
        family = secrets.token_urlsafe(12)
        data.mark_code_used(code, family, max(self._server.refresh_token_ttl, self._server.access_token_ttl))
        self.request.code_family = family
        return record

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        return None  # already popped (single use, atomically)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> EndUser:
        return EndUser(authorization_code.subject)

    def get_authorization_code_challenge(self, authorization_code: AuthorizationCode) -> str:
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: AuthorizationCode) -> str:
        return authorization_code.code_challenge_method


class _ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]


class _RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        server: OAuth2Server = self.server
        token = server.data.find_refresh(refresh_token)
        if token is None or token.is_revoked() or token.is_expired():
            return None
        return token

    def authenticate_user(self, refresh_token: Token) -> EndUser | None:
        return refresh_token.get_user()

    def revoke_old_credential(self, refresh_token: Token) -> None:
        """Rotation: the old token is used up now; losing a race to a parallel use revokes the family."""
        server: OAuth2Server = self.server
        if not server.data.consume_refresh(refresh_token):
            raise InvalidGrantError("refresh token already used")


class _TokenLookup:
    server: OAuth2Server

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        refresh_first = token_type_hint == "refresh_token"  # noqa: S105 - a parameter name, not a secret
        kinds = ["refresh", "access"] if refresh_first else ["access", "refresh"]
        for kind in kinds:
            token = self.server.data.get_token(kind, token_string)
            if token is not None:
                return token
        return None


class _Revocation(_TokenLookup, RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]

    def revoke_token(self, token: Token, request: _Request) -> None:
        if token.kind == "refresh":
            self.server.data.revoke_family(token.family)
        else:
            self.server.data.delete_access_token(token)


class _Introspection(_TokenLookup, IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]

    def check_permission(self, token: Token, client: Client, request: _Request) -> bool:
        return client.can_introspect or token.check_client(client)

    def introspect_token(self, token: Token) -> dict[str, Any]:
        out: dict[str, Any] = {
            "active": True,
            "client_id": token.client_id,
            "token_type": "Bearer" if token.kind == "access" else "refresh_token",
            "scope": token.scope,
            "exp": int(token.expires_at),
            "iat": int(token.issued_at),
            "iss": self.server.issuer,
        }
        if token.subject:
            out["sub"] = token.subject
        return out


class OAuth2TokenAuthenticator:
    """``Authorization: Bearer <opaque access token>`` issued by an :class:`OAuth2Server`."""

    auth_method = "oauth2"

    def __init__(self, server: OAuth2Server) -> None:
        self.server = server

    def authenticate(self, view: RequestView) -> Principal | None:
        header = view.headers.get("authorization")
        if not isinstance(header, str):
            return None
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = token.strip()
        if not token:
            raise TokenError("empty bearer token", reason="invalid_request")
        return self.server.principal_for(token)


__all__ = ["ConsentHook", "OAuth2Server", "OAuth2TokenAuthenticator", "OAuthRequest", "OAuthResponse"]
