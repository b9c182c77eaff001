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
    def log_message(self, format: str, *args: Any) -> None:
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
    new = session.refresh_token(f"{h.base}/oauth/token", scope="tasks:read")  # may not widen: admin was never granted
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


def test_refresh_cannot_widen_scope_and_from_view(harness: Harness) -> None:
    h = harness
    client, secret = h.server.data.register_client("web", [f"{h.base}/cb"], ["tasks:read", "tasks:write"])
    verifier = generate_token(48)
    params = {"response_type": "code", "client_id": client.client_id, "redirect_uri": f"{h.base}/cb",
              "scope": "tasks:read", "state": "s", "code_challenge": create_s256_code_challenge(verifier),
              "code_challenge_method": "S256"}
    code = parse_qs(urlsplit(_authorize(h, params).headers["Location"]).query)["code"][0]
    body = urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": f"{h.base}/cb",
                      "code_verifier": verifier, "client_id": client.client_id, "client_secret": secret})
    # the same server driven in-process through a RequestView (client_secret_post)
    view = RequestView("POST", "/oauth/token", CaseInsensitiveHeaders(
        {"Host": urlsplit(h.base).netloc, "Content-Type": "application/x-www-form-urlencoded"}), body=body.encode())
    response = h.server.handle(OAuthRequest.from_view(view))
    assert response is not None and response.status == 200
    token = json.loads(response.body)
    assert ("Cache-Control", "no-store") in response.headers
    wider = requests.post(f"{h.base}/oauth/token", data={"grant_type": "refresh_token", "scope": "tasks:write",
                          "refresh_token": token["refresh_token"]}, auth=(client.client_id, secret or ""), timeout=5)
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    # a refused request does not burn the refresh token
    same = requests.post(f"{h.base}/oauth/token", data={"grant_type": "refresh_token",
                         "refresh_token": token["refresh_token"]}, auth=(client.client_id, secret or ""), timeout=5)
    assert same.status_code == 200 and same.json()["scope"] == "tasks:read"
    assert h.server.handle(OAuthRequest("GET", f"{h.base}/elsewhere")) is None


def test_unsafe_client_registration_refused(harness: Harness) -> None:
    from apishield.errors import ConfigError

    data = harness.server.data
    for uris in (["http://app.example.com/cb"], ["https://app.example.com/cb#frag"], ["/relative"]):
        with pytest.raises(ConfigError):
            data.register_client("bad", uris, [])
    with pytest.raises(ConfigError):
        data.register_client("bad", [], [], grant_types=["implicit"])
    with pytest.raises(ConfigError):
        data.register_client("bad", [], [], grant_types=["client_credentials"], public=True)
    with pytest.raises(ConfigError):
        OAuth2Server(from_url("memory://"), "http://auth.example.com")


def test_parallel_refresh_use_revokes_family(any_store: Any) -> None:
    from apishield.auth.oauth2.models import OAuthStore, Token, digest

    data = OAuthStore(any_store)
    token = Token("refresh", digest("rt-1"), "c", "alice", "a", 0.0, 9e9, "fam")
    data.save_token("rt-1", token)
    access = Token("access", digest("at-1"), "c", "alice", "a", 0.0, 9e9, "fam")
    data.save_token("at-1", access)
    found = data.find_refresh("rt-1")
    assert found is not None and data.consume_refresh(found)
    assert not data.consume_refresh(found)  # the second of two parallel rotations loses ...
    revoked = data.get_token("access", "at-1")
    assert revoked is not None and revoked.is_revoked()  # ... and takes the family down
    client, secret = data.register_client("svc", [], ["a"], grant_types=["client_credentials"])
    assert data.get_client(client.client_id) == client and client.check_client_secret(secret or "")
    assert not client.check_client_secret("wrong") and data.get_client("nope") is None


_FUZZ_SERVER = OAuth2Server(from_url("memory://"), "http://127.0.0.1:1", scopes=["a"])
_FUZZ_CLIENT, _FUZZ_SECRET = _FUZZ_SERVER.data.register_client("f", ["http://127.0.0.1:1/cb"], ["a"])
_PARAM_NAMES = ["response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                "code_challenge_method", "grant_type", "code", "code_verifier", "refresh_token", "token",
                "token_type_hint", "client_secret"]


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(
    st.sampled_from(["/oauth/authorize", "/oauth/token", "/oauth/revoke", "/oauth/introspect"]),
    st.sampled_from(["GET", "POST"]),
    st.dictionaries(st.sampled_from(_PARAM_NAMES),
                    st.lists(st.one_of(st.text(max_size=30), st.just(_FUZZ_CLIENT.client_id),
                                       st.just("http://127.0.0.1:1/cb"), st.just("S256"), st.just("code")),
                             min_size=1, max_size=2)),
    st.one_of(st.none(), st.just(f"Basic {_FUZZ_CLIENT.client_id}:x"), st.text(max_size=20)),
)
def test_fuzz_endpoints_answer_with_oauth_errors(path: str, method: str, params: dict[str, list[str]],
                                                authorization: str | None) -> None:
    headers = {"authorization": authorization} if authorization else {}
    url = f"http://127.0.0.1:1{path}"
    if method == "GET":
        url += "?" + urlencode(params, doseq=True)
        request = OAuthRequest("GET", url, headers)
    else:
        request = OAuthRequest("POST", url, headers, params)
    response = _FUZZ_SERVER.handle(request, user="fuzzer")
    assert response is not None and 200 <= response.status < 500


def _grant(h: Harness, client: Client, secret: str | None, user: str) -> dict[str, Any]:
    """Tokens for ``user`` through the authorization code flow (PKCE) with Authlib's client."""
    session = OAuth2Session(client.client_id, secret, scope="tasks:read", redirect_uri=f"{h.base}/cb",
                            code_challenge_method="S256")
    verifier = generate_token(48)
    url, _ = session.create_authorization_url(f"{h.base}/oauth/authorize", code_verifier=verifier)
    location = requests.get(url, headers={"X-Test-User": user}, allow_redirects=False, timeout=5).headers["Location"]
    return dict(session.fetch_token(f"{h.base}/oauth/token", authorization_response=location, code_verifier=verifier))


def test_revoking_a_user_ends_their_grants_for_every_client(harness: Harness) -> None:
    """A password change or "log out everywhere" must reach third-party apps too: every access and refresh
    token issued to the user until then is refused, for every client; other users and new grants work."""
    h = harness
    apps = [h.server.data.register_client(name, [f"{h.base}/cb"], ["tasks:read"]) for name in ("planner", "sync")]
    rs, rs_secret = h.server.data.register_client("rs", [], [], grant_types=["client_credentials"],
                                                  can_introspect=True)
    alice = [(_grant(h, client, secret, "alice"), client, secret) for client, secret in apps]
    bob = _grant(h, *apps[0], "bob")

    def me(token: dict[str, Any]) -> int:
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        return requests.get(f"{h.base}/api/me", headers=headers, timeout=5).status_code

    def refresh(token: dict[str, Any], client: Client, secret: str | None) -> requests.Response:
        return requests.post(f"{h.base}/oauth/token", data={"grant_type": "refresh_token",
                                                            "refresh_token": token["refresh_token"]},
                             auth=(client.client_id, secret or ""), timeout=5)

    assert [me(token) for token, _, _ in alice] == [200, 200] and me(bob) == 200
    h.server.revoke_subject("alice")
    assert [me(token) for token, _, _ in alice] == [401, 401]
    for token, client, secret in alice:
        refused = refresh(token, client, secret)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
        info = requests.post(f"{h.base}/oauth/introspect", data={"token": token["access_token"]},
                             auth=(rs.client_id, rs_secret or ""), timeout=5).json()
        assert info == {"active": False}
    assert me(bob) == 200 and refresh(bob, *apps[0]).status_code == 200  # another user is untouched
    fresh = _grant(h, *apps[1], "alice")  # a grant made after the revocation works
    assert me(fresh) == 200 and refresh(fresh, *apps[1]).status_code == 200
