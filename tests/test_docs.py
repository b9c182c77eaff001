"""The documentation's runnable examples work as written, and the generated reference covers the code.

Code blocks preceded by ``<!-- test: NAME -->`` in ``docs/`` are complete programs: each is imported as a module
and driven through its framework's test client by the scenario of the same name below.
"""

from __future__ import annotations

import re
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests._snippets import snippet_loader

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
_BLOCK = re.compile(r"<!-- test: ([\w-]+) -->\n```python\n(.*?)\n```", re.DOTALL)


def tagged_blocks() -> dict[str, str]:
    found: dict[str, str] = {}
    for page in sorted(DOCS.rglob("*.md")):
        for name, code in _BLOCK.findall(page.read_text(encoding="utf-8")):
            assert name not in found, f"example name {name} used twice"
            found[name] = code
    return found


@pytest.fixture
def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], ModuleType]]:
    for name in ("FLASK_SECRET_KEY", "JWT_SECRET_KEY", "APP_JWT_SECRET", "BILLING_SERVICE_TOKEN",
                 "APISHIELD_JWT_SECRET"):
        monkeypatch.setenv(name, secrets.token_urlsafe(48))
    with snippet_loader(tmp_path) as load_code:
        yield lambda name: load_code("docs_example_" + name.replace("-", "_"), tagged_blocks()[name])


def _flask_login(m: ModuleType) -> None:
    client = m.app.test_client()
    assert client.get("/admin/report").status_code == 401
    assert client.post("/login").status_code == 200
    answer = client.get("/admin/report")
    assert answer.status_code == 200 and answer.json == {"user": "1"}
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    forged = m.app.test_client()
    forged.set_cookie("session", "eyJfdXNlcl9pZCI6IjEifQ.forged.signature")
    assert forged.get("/admin/report").status_code == 401


def _flask_jwt_extended(m: ModuleType) -> None:
    client = m.app.test_client()
    assert client.get("/tasks").status_code == 401
    token = client.post("/token").json["access_token"]
    answer = client.get("/tasks", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json == {"owner": "alice"}
    bad = client.get("/tasks", headers={"Authorization": f"Bearer {token[:-4]}AAAA"})
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["WWW-Authenticate"]


def _asgi_get(app: Any, path: str, headers: dict[str, str] | None = None) -> Any:
    import asyncio

    import httpx

    async def go() -> Any:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.get(path, headers=headers)

    return asyncio.run(go())


def _fastapi_oauth2(m: ModuleType) -> None:
    import jwt

    assert _asgi_get(m.app, "/health").status_code == 200
    assert _asgi_get(m.app, "/users/me").status_code == 401
    token = jwt.encode({"sub": "alice", "exp": int(time.time()) + 60}, m.SECRET, algorithm="HS256")
    answer = _asgi_get(m.app, "/users/me", {"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json() == {"user": "alice"}
    assert "RateLimit" in answer.headers
    forged = jwt.encode({"sub": "alice", "exp": int(time.time()) + 60}, "x" * 40, algorithm="HS256")
    assert _asgi_get(m.app, "/users/me", {"Authorization": f"Bearer {forged}"}).status_code == 401


def _custom_header(m: ModuleType) -> None:
    import os

    from werkzeug.test import Client

    client = Client(m.app)
    assert client.get("/invoices").status_code == 401
    token = os.environ["BILLING_SERVICE_TOKEN"]
    answer = client.get("/invoices", headers={"X-Service-Token": token})
    assert answer.status_code == 200 and answer.json == {"for": "billing"}
    assert client.get("/invoices", headers={"X-Service-Token": "nope"}).status_code == 401


def _tutorial_flask(m: ModuleType) -> None:
    client = m.app.test_client()
    health = client.get("/health")
    assert health.status_code == 200 and health.headers["Content-Security-Policy"]
    assert client.get("/tasks").status_code == 401
    token = client.post("/token").json["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/tasks", headers=auth).json == {"owner": "alice", "tasks": []}
    assert client.get("/admin/stats", headers=auth).status_code == 403
    statuses = [client.post("/token").status_code for _ in range(5)]
    assert statuses[-1] == 429 and "Retry-After" in client.post("/token").headers


def _tutorial_fastapi(m: ModuleType) -> None:
    import asyncio

    import httpx

    async def go() -> None:
        transport = httpx.ASGITransport(app=m.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            assert (await client.get("/health")).status_code == 200
            assert (await client.get("/tasks")).status_code == 401
            token = (await client.post("/token")).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            assert (await client.get("/tasks", headers=auth)).json() == {"owner": "alice"}
            refused = await client.delete("/tasks/1", headers=auth)
            assert refused.status_code == 403 and "insufficient_scope" in refused.headers["www-authenticate"]

    asyncio.run(go())


def _tutorial_bottle(m: ModuleType) -> None:
    from werkzeug.test import Client

    client = Client(m.app)
    assert client.get("/health").status_code == 200
    assert client.get("/tasks").status_code == 401
    token = client.post("/token").json["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/tasks", headers=auth).json == {"owner": "alice"}
    assert client.post("/tasks", headers=auth).json == {"by": "alice"}


def _tutorial_cherrypy(m: ModuleType) -> None:
    import cherrypy
    from werkzeug.test import Client

    client = Client(cherrypy.Application(m.root, "", m.config))
    assert client.get("/health").text == "ok"
    refused = client.get("/tasks")
    assert refused.status_code == 401 and refused.headers["Content-Type"] == "application/problem+json"
    token = client.get("/token").json["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/tasks", headers=auth).text == "alice"
    form = "application/x-www-form-urlencoded"
    assert client.post("/notes", headers=auth, data="x=1", content_type=form).status_code == 403


def _testing_factory(m: ModuleType) -> None:
    first, second = m.create_app(testing=True), m.create_app(testing=True)
    assert first.extensions["apishield"].store is not second.extensions["apishield"].store
    for app in (first, second):
        client = app.test_client()
        assert client.get("/tasks").status_code == 401
        token = app.extensions["apishield"].issue_token("alice", ["tasks:read"])
        for _ in range(130):  # above the default 120/minute: limits are off in testing
            answer = client.get("/tasks", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and answer.json == {"owner": "alice"}
        assert "RateLimit" not in answer.headers
    production = m.create_app().test_client()
    assert production.get("/tasks").status_code == 308  # plain HTTP is redirected outside testing


SCENARIOS: dict[str, Callable[[ModuleType], None]] = {
    "testing-factory": _testing_factory,
    "tutorial-flask": _tutorial_flask,
    "tutorial-fastapi": _tutorial_fastapi,
    "tutorial-bottle": _tutorial_bottle,
    "tutorial-cherrypy": _tutorial_cherrypy,
    "flask-login": _flask_login,
    "flask-jwt-extended": _flask_jwt_extended,
    "fastapi-oauth2": _fastapi_oauth2,
    "custom-header": _custom_header,
}


def test_every_tagged_example_has_a_scenario() -> None:
    assert set(tagged_blocks()) == set(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_documented_example_works(name: str, load: Callable[[str], ModuleType]) -> None:
    SCENARIOS[name](load(name))


def test_generated_reference_covers_every_rule_and_setting() -> None:
    pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')")
    sys.path.insert(0, str(DOCS))
    try:
        import hooks  # docs/hooks.py, the MkDocs hook
    finally:
        sys.path.remove(str(DOCS))
    from apishield import explain
    from apishield.config import _FLAT

    pages: dict[str, Any] = hooks.generated_pages()
    for rule_id in explain.rule_ids():
        assert pages[f"reference/rules/{rule_id}.md"] == explain.page(rule_id)
        assert f"[{rule_id}]({rule_id}.md)" in pages["reference/rules/index.md"]
    config_page = pages["reference/configuration.md"]
    for section, field in set(_FLAT.values()):
        assert f"## `{section}`" in config_page and f"| `{field}` |" in config_page, (section, field)
    for row in config_page.splitlines():
        if row.startswith("| `"):
            cells = re.split(r"(?<!\\)\|", row)  # ["", key, ..., meaning, ""]
            assert cells[-2].strip(), f"setting without a meaning: {row}"
    cli = pages["reference/cli.md"]
    for command in ("audit", "probe", "keys", "routes", "demo", "explain"):
        assert f"## `apishield {command}`" in cli
