"""One behavioural suite, run against the same API on Flask, Bottle (gunicorn), CherryPy (its own server)
and FastAPI (uvicorn). Requests come "through a TLS proxy" (X-Forwarded-Proto from the trusted 127.0.0.1)
unless a test says otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx
import pytest

from tests.integrations.servers import FRAMEWORKS, serve

pytestmark = pytest.mark.xdist_group("integration-servers")

ALLOWED = "https://app.example.com"
EVIL = "https://evil.example.net"
PROBLEM = "application/problem+json"
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, str]]:
    """Each framework's server, started once on first use (whatever order the tests run in), stopped at the end."""
    with ExitStack() as stack:
        started: dict[str, str] = {}

        class Lazy(dict[str, str]):
            def __missing__(self, framework: str) -> str:
                base = stack.enter_context(serve(framework, APISHIELD_TEST_ORIGINS=ALLOWED))
                self[framework] = base
                return base

        yield Lazy(started)


@pytest.fixture(params=FRAMEWORKS)
def api(request: pytest.FixtureRequest, servers: dict[str, str]) -> Iterator[httpx.Client]:
    base = servers[request.param]
    with httpx.Client(base_url=base, headers={"X-Forwarded-Proto": "https"}, timeout=10) as client:
        yield client


def problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    doc = json.loads(response.content)
    assert doc["status"] == status
    assert "Traceback" not in response.text
    return doc


def test_public_route_is_reachable_with_security_headers(api: httpx.Client) -> None:
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json()["ok"] is True
    for name in SECURITY_HEADERS:
        assert name in response.headers, name
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_protected_route_without_credentials_is_401(api: httpx.Client) -> None:
    response = api.get("/tasks")
    problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for name in SECURITY_HEADERS:
        assert name in response.headers, name


def test_forged_token_is_401(api: httpx.Client, make_token: Callable[..., str]) -> None:
    token = make_token(scopes=("tasks:read",), key="another-key-" + "x" * 40)
    response = api.get("/tasks", headers={"Authorization": f"Bearer {token}"})
    problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_expired_token_is_401(api: httpx.Client, make_token: Callable[..., str]) -> None:
    token = make_token(scopes=("tasks:read",), ttl=-120)
    problem(api.get("/tasks", headers={"Authorization": f"Bearer {token}"}), 401)


def test_token_without_scope_is_403(api: httpx.Client, make_token: Callable[..., str]) -> None:
    token = make_token(scopes=("other:thing",))
    response = api.get("/tasks", headers={"Authorization": f"Bearer {token}"})
    problem(response, 403)
    assert "insufficient_scope" in response.headers.get("WWW-Authenticate", "")


def test_scoped_token_reaches_handler_with_principal(api: httpx.Client, make_token: Callable[..., str]) -> None:
    read = {"Authorization": f"Bearer {make_token('carol', ('tasks:read',))}"}
    response = api.get("/tasks", headers=read)
    assert response.status_code == 200, response.text
    assert response.json() == {"subject": "carol"}
    assert response.headers.get("Cache-Control") == "no-store"
    problem(api.post("/tasks", headers=read), 403)
    write = {"Authorization": f"Bearer {make_token('carol', ('tasks:write',))}"}
    assert api.post("/tasks", headers=write).status_code == 201


def test_rate_limit_429_with_retry_after_and_ratelimit_headers(api: httpx.Client) -> None:
    statuses = []
    last = None
    for _ in range(4):
        last = api.get("/limited")
        statuses.append(last.status_code)
        if last.status_code == 200:
            assert any(h.lower().startswith("ratelimit") for h in last.headers), dict(last.headers)
    assert statuses == [200, 200, 200, 429]
    assert last is not None
    problem(last, 429)
    assert int(last.headers["Retry-After"]) >= 1
    assert any(h.lower().startswith("ratelimit") for h in last.headers)


def test_cors_allowed_origin(api: httpx.Client, make_token: Callable[..., str]) -> None:
    pre = api.options(
        "/tasks",
        headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"},
    )
    assert pre.status_code in (200, 204)
    assert pre.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "GET" in pre.headers["Access-Control-Allow-Methods"]
    assert "authorization" in pre.headers["Access-Control-Allow-Headers"].lower()
    token = make_token(scopes=("tasks:read",))
    response = api.get("/tasks", headers={"Origin": ALLOWED, "Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    # errors are readable by the allowed origin too
    assert api.get("/tasks", headers={"Origin": ALLOWED}).headers["Access-Control-Allow-Origin"] == ALLOWED


def test_cors_refused_origin(api: httpx.Client) -> None:
    pre = api.options("/tasks", headers={"Origin": EVIL, "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 403
    assert "Access-Control-Allow-Origin" not in pre.headers
    response = api.get("/health", headers={"Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers.get("Vary", "")


def test_csrf_on_cookie_session(api: httpx.Client) -> None:
    login = api.post("/login")
    assert login.status_code == 200, login.text
    token = login.json()["csrf_token"]
    cookie = login.headers["set-cookie"].split(";", 1)[0]
    assert "HttpOnly" in login.headers["set-cookie"]
    own_origin = "https://" + str(api.base_url.netloc.decode())
    base = {"Cookie": cookie}
    problem(api.post("/notes", headers=base), 403)  # no token
    problem(api.post("/notes", headers={**base, "X-CSRF-Token": "wrong" + token[5:]}), 403)
    problem(api.post("/notes", headers={**base, "X-CSRF-Token": token, "Origin": EVIL}), 403)
    ok = api.post("/notes", headers={**base, "X-CSRF-Token": token, "Origin": own_origin})
    assert ok.status_code == 200, ok.text
    assert ok.json()["subject"] == "alice"


def test_bearer_requests_need_no_csrf_token(api: httpx.Client, make_token: Callable[..., str]) -> None:
    token = make_token(scopes=("tasks:write",))
    assert api.post("/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 201


def test_plain_http_is_redirected_or_refused(api: httpx.Client) -> None:
    plain = {"X-Forwarded-Proto": "http"}
    response = api.get("/health", headers=plain)
    assert response.status_code == 308
    assert response.headers["Location"].startswith("https://")
    assert response.headers["Location"].endswith("/health")
    problem(api.post("/tasks", headers=plain), 403)
    assert "Strict-Transport-Security" not in response.headers


def test_errors_are_problem_json_without_internals(api: httpx.Client) -> None:
    doc = problem(api.get("/boom"), 500)
    assert "secret internal detail" not in json.dumps(doc)
    problem(api.get("/no/such/route"), 404)


def test_body_schema_validation(api: httpx.Client, make_token: Callable[..., str]) -> None:
    write = {"Authorization": f"Bearer {make_token(scopes=('tasks:write',))}"}
    assert api.post("/tasks", json={"title": "buy milk"}, headers=write).status_code == 201
    doc = problem(api.post("/tasks", json={"title": 5, "owner": "x"}, headers=write), 422)
    assert "x" not in json.dumps(doc.get("errors", ""))  # field errors, not echoed input
    problem(api.post("/tasks", content=b"title=x", headers={**write, "Content-Type": "text/plain"}), 415)
    problem(api.post("/tasks", content=b"{not json", headers={**write, "Content-Type": "application/json"}), 400)
