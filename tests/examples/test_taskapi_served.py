"""The Task API as deployed: gunicorn with several workers sharing rate-limit and token state (SQLite, Redis)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from apishield.demo.apps import DemoApp, demo_apps, provision_taskapi, read_outbox
from apishield.demo.servers import ServerProcess
from tests.examples.conftest import EXAMPLES

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[DemoApp, ServerProcess]]:
    """The Task API under gunicorn (3 workers) with its shared state in SQLite or in Redis."""
    app = next(a for a in demo_apps(EXAMPLES, tmp_path, workers=3) if a.name == "taskapi")
    if request.param == "redis":
        url: str = request.getfixturevalue("redis_url")
        app.env["TASKAPI_STATE_URL"] = url.rsplit("/", 1)[0] + "/3"  # a database no other test uses
    with ServerProcess(app.name, app.command, cwd=app.cwd, env=app.env, log_path=tmp_path / "gunicorn.log") as server:
        yield app, server


def test_flow_and_shared_state_across_workers(served: tuple[DemoApp, ServerProcess]) -> None:
    app, server = served
    identities = provision_taskapi(server.base_url, app)  # register → verify (outbox) → login, twice
    assert [name for name, _, _ in identities] == ["alice", "bob"]
    alice = {identities[0][1]: identities[0][2]}
    bob = {identities[1][1]: identities[1][2]}
    with httpx.Client(base_url=server.base_url, timeout=10, trust_env=False) as c:
        task = c.post("/api/v1/tasks", json={"title": "served"}, headers=alice).json()
        assert c.get(f"/api/v1/tasks/{task['id']}", headers=bob).status_code == 404
        assert c.get(f"/api/v1/tasks/{task['id']}", headers=alice).json()["title"] == "served"
        # refresh tokens rotate across workers; a replayed one is refused wherever it lands
        carol = {"username": "carol" + secrets.token_hex(3), "password": "a long enough passphrase"}
        carol["email"] = carol["username"] + "@example.test"
        assert c.post("/api/v1/auth/register", json=carol).status_code == 201
        token = read_outbox(Path(app.env["TASKAPI_OUTBOX"]), carol["email"], time.monotonic() + 5)
        assert c.post("/api/v1/auth/verify", json={"token": token}).status_code == 200
        login = c.post("/api/v1/auth/login", json={"username": carol["username"], "password": carol["password"]})
        refresh = login.json()["refresh_token"]
        spent = []
        for _ in range(6):
            spent.append(refresh)
            r = c.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
            assert r.status_code == 200, r.text
            refresh = r.json()["refresh_token"]
        assert c.post("/api/v1/auth/refresh", json={"refresh_token": spent[2]}).status_code == 401
        assert c.post("/api/v1/auth/refresh", json={"refresh_token": refresh}).status_code == 401  # family revoked
        # the login limit (10/minute per client) is one limit for all workers: 3 logins were used above
        statuses = [c.post("/api/v1/auth/login", json={"username": f"nobody{i}", "password": "x" * 12}).status_code
                    for i in range(12)]
        assert statuses.count(401) == 7 and statuses.count(429) == 5, statuses
        limited = c.post("/api/v1/auth/login", json={"username": "nobody", "password": "x" * 12})
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert limited.headers["Content-Type"] == "application/problem+json"
        assert c.post("/api/v1/auth/verify", json={"token": "bogus"}).status_code == 400
        headers = c.get("/health").headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert any(name.lower().startswith("ratelimit") for name in headers)
