"""The generic WSGI and ASGI middleware around plain apps, body validation, and the route listing CLI."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from apishield.cli import main
from apishield.integrations.asgi import PRINCIPAL_KEY as ASGI_PRINCIPAL
from apishield.integrations.asgi import ShieldASGIMiddleware
from apishield.integrations.wsgi import PRINCIPAL_KEY, ShieldMiddleware
from apishield.shield import Shield
from tests.integrations.test_shield import Tokens, User

SCHEMA = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"],
          "additionalProperties": False}


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    principal = environ.get(PRINCIPAL_KEY)
    payload = {"who": getattr(principal, "subject", None), "body": environ["wsgi.input"].read().decode()}
    body = json.dumps(payload).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Vary", "Accept")])
    return [body]


def make_shield() -> Shield:
    tokens = Tokens({"r": User("ann", frozenset({"tasks:read", "tasks:write"}))})
    return Shield(authenticators=[tokens], mode="development", default_limits=["1000/minute"])


ROUTES = {"GET /health": {"public": True}, "POST /tasks": {"scopes": ["tasks:write"], "body_schema": SCHEMA}}


def test_wsgi_middleware_protects_any_app() -> None:
    app = ShieldMiddleware(wsgi_app, make_shield(), routes=ROUTES)
    client = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://api.test")
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["who"] is None
    assert health.headers["X-Frame-Options"] == "DENY"
    assert "Accept" in health.headers["Vary"]
    denied = client.get("/anything/else")
    assert denied.status_code == 401
    assert denied.headers["content-type"] == "application/problem+json"
    auth = {"Authorization": "Bearer r"}
    ok = client.post("/tasks", json={"title": "x"}, headers=auth)
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"who": "ann", "body": '{"title":"x"}'}  # the app still reads the whole body
    bad = client.post("/tasks", json={"title": 5}, headers=auth)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    huge = client.post("/tasks", content=b"x" * (2 * 1024 * 1024), headers={**auth, "Content-Type": "application/json"})
    assert huge.status_code == 413


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["path"] == "/boom":
        raise RuntimeError("internal detail")
    message = await receive()
    who = getattr(scope.get("state", {}).get(ASGI_PRINCIPAL), "subject", None)
    body = json.dumps({"who": who, "body": message.get("body", b"").decode()}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def test_asgi_middleware_protects_any_app() -> None:
    app = ShieldASGIMiddleware(asgi_app, make_shield(), routes={**ROUTES, "GET /boom": {"public": True}})

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as client:
            health = await client.get("/health")
            assert health.status_code == 200 and health.headers["x-content-type-options"] == "nosniff"
            assert (await client.get("/tasks")).status_code == 401
            auth = {"Authorization": "Bearer r"}
            ok = await client.post("/tasks", json={"title": "y"}, headers=auth)
            assert ok.json() == {"who": "ann", "body": '{"title":"y"}'}
            assert (await client.post("/tasks", json={"nope": 1}, headers=auth)).status_code == 422
            boom = await client.get("/boom")
            assert boom.status_code == 500
            assert "internal detail" not in boom.text
            assert boom.headers["content-type"] == "application/problem+json"

    asyncio.run(run())


@pytest.fixture
def jwt_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integrations.servers import JWT_SECRET

    monkeypatch.setenv("APISHIELD_TEST_JWT_SECRET", JWT_SECRET)


@pytest.mark.usefixtures("jwt_env")
@pytest.mark.parametrize("framework", ["flask", "bottle", "fastapi"])
def test_routes_cli_lists_protected_and_public(framework: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", f"tests.integrations.apps.{framework}_app:app", "--json"]) == 0
    rows = {(r["method"], r["path"]): r for r in json.loads(capsys.readouterr().out)}
    assert rows[("GET", "/health")]["protection"] == "public"
    assert rows[("GET", "/tasks")]["protection"] == "protected"
    assert rows[("GET", "/tasks")]["scopes"] == ["tasks:read"]
    assert rows[("POST", "/notes")]["scopes"] == ["notes:write"]
    assert rows[("GET", "/limited")]["limits"] == ["3/minute"]


@pytest.mark.usefixtures("jwt_env")
def test_routes_cli_cherrypy_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "tests.integrations.apps.cherrypy_app:root"]) == 0
    out = capsys.readouterr().out
    assert "PUBLIC" in out and "/health" in out
    assert any(line.startswith("PROTECTED") and "GET" in line and "/tasks" in line for line in out.splitlines())


def test_routes_cli_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "no_such_module_xyz:app"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot import" in err
    assert main(["routes", "json:dumps"]) == 3
    assert "no apishield shield" in capsys.readouterr().err


def test_the_core_imports_no_web_framework() -> None:
    import subprocess
    import sys

    code = (
        "import sys, apishield.shield, apishield.integrations, apishield.integrations.wsgi, "
        "apishield.integrations.asgi; "
        "bad = [m for m in ('flask', 'bottle', 'cherrypy', 'fastapi', 'starlette', 'werkzeug') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


NAMES = ["Content-Type", "content-type", "Vary", "vary", "X-Frame-Options", "Cache-Control", "RateLimit"]


@given(
    existing=st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(["a", "Origin", "b, c"])), max_size=5),
    extra=st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(["x", "Origin", "Accept"])), max_size=8),
)
def test_merge_headers_never_overrides_the_app(existing: list[tuple[str, str]], extra: list[tuple[str, str]]) -> None:
    from apishield.integrations._common import merge_headers

    merged = merge_headers(existing, extra)
    app_names = {k.lower() for k, _ in existing}
    # the application's own non-Vary headers are kept exactly
    assert [h for h in merged if h[0].lower() in app_names and h[0].lower() != "vary"] == [
        h for h in existing if h[0].lower() != "vary"
    ]
    # every name the shield adds appears once; Vary values end up in the app's Vary header
    added = [k.lower() for k, _ in merged[len(existing):]]
    assert len(added) == len(set(added)) and not (set(added) & app_names)
    if "vary" in app_names:
        vary = " ".join(v for k, v in merged if k.lower() == "vary")
        for k, v in extra:
            if k.lower() == "vary":
                assert v in vary
