"""OAuth 2.0 server: a real client library runs authorization code + PKCE against 127.0.0.1, plus the
refusals (plain PKCE, no PKCE, redirect mismatch), refresh rotation with reuse detection, revocation,
introspection, client credentials and metadata."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from apishield.auth.oauth2 import Client, OAuth2Server, OAuth2TokenAuthenticator, OAuthRequest
from apishield.errors import TokenError
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.stores import from_url

from ..conftest import free_port


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return None


class Harness:
    def __init__(self, base: str, server: OAuth2Server) -> None:
        self.base = base
        self.server = server
        self.consents: list[tuple[str, list[str]]] = []
        self.deny_next = False


def _app(harness: Harness) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        request = OAuthRequest.from_wsgi(environ)
        if request.path == "/api/me":
            view = RequestView("GET", "/api/me", CaseInsensitiveHeaders(request.headers))
            try:
                principal = OAuth2TokenAuthenticator(harness.server).authenticate(view)
            except TokenError:
                start_response("401 Unauthorized", [("WWW-Authenticate", 'Bearer error="invalid_token"')])
                return [b""]
            body = json.dumps({"sub": principal.subject if principal else None,
                               "scopes": sorted(principal.scopes) if principal else []})
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body.encode()]
        user = environ.get("HTTP_X_TEST_USER")  # stands in for the app's own login session
        response = harness.server.handle(request, user=user)
        if response is None:
            start_response("404 Not Found", [])
            return [b""]
        start_response(f"{response.status} X", response.headers)
        return [response.body]

    return app


@pytest.fixture
def harness() -> Iterator[Harness]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    holder: dict[str, Harness] = {}

    def consent(user: str, client: Client, scopes: list[str]) -> Any:
        h = holder["h"]
        h.consents.append((user, scopes))
        if h.deny_next:
            return False
        return [s for s in scopes if s != "admin"]  # the user never grants admin

    server = OAuth2Server(from_url("memory://"), base, scopes=["tasks:read", "tasks:write", "admin"],
                          consent=consent)
    h = Harness(base, server)
    holder["h"] = h
    httpd: WSGIServer = make_server("127.0.0.1", port, _app(h), handler_class=_Quiet)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield h
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _authorize(h: Harness, params: dict[str, str], user: str | None = "alice") -> requests.Response:
    headers = {"X-Test-User": user} if user else {}
    return requests.get(f"{h.base}/oauth/authorize?{urlencode(params)}", headers=headers, allow_redirects=False,
                        timeout=5)


def test_authorization_code_pkce_end_to_end_with_authlib_client(harness: Harness) -> None:
    h = harness
    client, secret = h.server.data.register_client("web", [f"{h.base}/cb"], ["tasks:read", "tasks:write", "admin"])
    session = OAuth2Session(client.client_id, secret, scope="tasks:read admin", redirect_uri=f"{h.base}/cb",
                            code_challenge_method="S256")
    verifier = generate_token(48)
    url, state = session.create_authorization_url(f"{h.base}/oauth/authorize", code_verifier=verifier)
    redirect = requests.get(url, headers={"X-Test-User": "alice"}, allow_redirects=False, timeout=5)
    assert redirect.status_code == 302
    location = redirect.headers["Location"]
    assert location.startswith(f"{h.base}/cb?")
    assert parse_qs(urlsplit(location).query)["state"] == [state]
    assert h.consents == [("alice", ["tasks:read", "admin"])]
    token = session.fetch_token(f"{h.base}/oauth/token", authorization_response=location, code_verifier=verifier)
    assert token["token_type"].lower() == "bearer"
    assert token["scope"] == "tasks:read"  # consent removed admin
    me = session.get(f"{h.base}/api/me", timeout=5).json()
    assert me == {"sub": "alice", "scopes": ["tasks:read"]}

    # refresh rotation: a new refresh token on every use
    first_refresh = token["refresh_token"]
    new = session.refresh_token(f"{h.base}/oauth/token")
    assert new["refresh_token"] != first_refresh
    assert session.get(f"{h.base}/api/me", timeout=5).status_code == 200
    # reusing the rotated refresh token revokes the whole family, including the live access token
    reuse = requests.post(f"{h.base}/oauth/token", data={"grant_type": "refresh_token", "refresh_token": first_refresh},
                          auth=(client.client_id, secret or ""), timeout=5)
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    assert session.get(f"{h.base}/api/me", timeout=5).status_code == 401
    again = requests.post(f"{h.base}/oauth/token", data={"grant_type": "refresh_token",
                                                         "refresh_token": new["refresh_token"]},
                          auth=(client.client_id, secret or ""), timeout=5)
    assert again.status_code == 400


def test_code_is_single_use_and_bound_to_verifier(harness: Harness) -> None:
    h = harness
    client, secret = h.server.data.register_client("web", [f"{h.base}/cb"], ["tasks:read"])
    verifier = generate_token(48)
    params = {"response_type": "code", "client_id": client.client_id, "redirect_uri": f"{h.base}/cb",
              "scope": "tasks:read", "state": "s1", "code_challenge": create_s256_code_challenge(verifier),
              "code_challenge_method": "S256"}
    code = parse_qs(urlsplit(_authorize(h, params).headers["Location"]).query)["code"][0]
    bad = requests.post(f"{h.base}/oauth/token", data={"grant_type": "authorization_code", "code": code,
                        "redirect_uri": f"{h.base}/cb", "code_verifier": generate_token(48)},
                        auth=(client.client_id, secret or ""), timeout=5)
    assert bad.status_code == 400
    # the code was consumed by the failed attempt too: no second chance
    good = requests.post(f"{h.base}/oauth/token", data={"grant_type": "authorization_code", "code": code,
                         "redirect_uri": f"{h.base}/cb", "code_verifier": verifier},
                         auth=(client.client_id, secret or ""), timeout=5)
    assert good.status_code == 400 and good.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("change", "expect_redirect"),
    [
        ({"code_challenge_method": "plain"}, True),
        ({"code_challenge_method": None, "code_challenge": None}, True),
        ({"code_challenge_method": None}, True),
        ({"redirect_uri": "REGISTERED/extra"}, False),
        ({"redirect_uri": "http://127.0.0.1:1/evil"}, False),
        ({"client_id": "unknown"}, False),
        ({"response_type": "token"}, True),
    ],
)
def test_authorization_refusals(harness: Harness, change: dict[str, Any], expect_redirect: bool) -> None:
    h = harness
    client, _ = h.server.data.register_client("web", [f"{h.base}/cb"], ["tasks:read"])
    verifier = generate_token(48)
    params: dict[str, Any] = {"response_type": "code", "client_id": client.client_id, "redirect_uri": f"{h.base}/cb",
                              "scope": "tasks:read", "state": "keep-me",
                              "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256"}
    for key, value in change.items():
        if value is None:
            params.pop(key)
        else:
            params[key] = value.replace("REGISTERED", f"{h.base}/cb") if isinstance(value, str) else value
    response = _authorize(h, params)
    if expect_redirect:
        assert response.status_code == 302
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        assert "code" not in query and "error" in query and query["state"] == ["keep-me"]
        assert response.headers["Location"].startswith(f"{h.base}/cb?")
    else:
        assert response.status_code == 400  # never redirect to an unverified URI
        assert "Location" not in response.headers


def test_consent_denied_and_login_required(harness: Harness) -> None:
    h = harness
    client, _ = h.server.data.register_client("web", [f"{h.base}/cb"], ["tasks:read"])
    params = {"response_type": "code", "client_id": client.client_id, "redirect_uri": f"{h.base}/cb",
              "scope": "tasks:read", "state": "st", "code_challenge": create_s256_code_challenge(generate_token(48)),
              "code_challenge_method": "S256"}
    assert _authorize(h, params, user=None).status_code == 401
    h.deny_next = True
    denied = _authorize(h, params)
    query = parse_qs(urlsplit(denied.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["st"]


def test_public_client_needs_pkce_verifier(harness: Harness) -> None:
    h = harness
    client, secret = h.server.data.register_client("spa", [f"{h.base}/cb"], ["tasks:read"], public=True)
    assert secret is None
    session = OAuth2Session(client.client_id, scope="tasks:read", redirect_uri=f"{h.base}/cb",
                            code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = generate_token(48)
    url, _ = session.create_authorization_url(f"{h.base}/oauth/authorize", code_verifier=verifier)
    location = requests.get(url, headers={"X-Test-User": "bob"}, allow_redirects=False, timeout=5).headers["Location"]
    token = session.fetch_token(f"{h.base}/oauth/token", authorization_response=location, code_verifier=verifier)
    assert session.get(f"{h.base}/api/me", timeout=5).json()["sub"] == "bob"
    assert "refresh_token" in token


def test_client_credentials_introspection_and_revocation(harness: Harness) -> None:
    h = harness
    service, secret = h.server.data.register_client("svc", [], ["tasks:read"], grant_types=["client_credentials"])
    resource, rs_secret = h.server.data.register_client("rs", [], [], grant_types=["client_credentials"],
                                                        can_introspect=True)
    token = requests.post(f"{h.base}/oauth/token", data={"grant_type": "client_credentials", "scope": "tasks:read"},
                          auth=(service.client_id, secret or ""), timeout=5).json()
    assert "refresh_token" not in token
    access = token["access_token"]
    wrong = requests.post(f"{h.base}/oauth/token", data={"grant_type": "client_credentials"},
                          auth=(service.client_id, "nope"), timeout=5)
    assert wrong.status_code == 401
    info = requests.post(f"{h.base}/oauth/introspect", data={"token": access},
                         auth=(resource.client_id, rs_secret or ""), timeout=5).json()
    assert info["active"] is True and info["client_id"] == service.client_id and info["scope"] == "tasks:read"
    me = requests.get(f"{h.base}/api/me", headers={"Authorization": f"Bearer {access}"}, timeout=5).json()
    assert me["sub"] == f"client:{service.client_id}"
    revoked = requests.post(f"{h.base}/oauth/revoke", data={"token": access},
                            auth=(service.client_id, secret or ""), timeout=5)
    assert revoked.status_code == 200
    info = requests.post(f"{h.base}/oauth/introspect", data={"token": access},
                         auth=(resource.client_id, rs_secret or ""), timeout=5).json()
    assert info == {"active": False}
    assert requests.get(f"{h.base}/api/me", headers={"Authorization": f"Bearer {access}"},
                        timeout=5).status_code == 401


def test_metadata_document(harness: Harness) -> None:
    h = harness
    doc = requests.get(f"{h.base}/.well-known/oauth-authorization-server", timeout=5).json()
    assert doc["issuer"] == h.base
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["token_endpoint"] == f"{h.base}/oauth/token"
    assert requests.get(f"{h.base}/oauth/token", timeout=5).status_code == 405
