"""The Task API on Redis state: one round trip per request, revocations effective at once, a hung Redis
answered within the decision timeout.

Round trips are counted by the Redis server itself (``MONITOR``: every command a client sends, with the
commands scripts run marked as such and left out here), on a private redis-server this module starts.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from .conftest import FAST_ARGON2, TaskAPI

pytestmark = pytest.mark.redis


class Commands:
    """The commands clients send to one Redis server while a function runs (scripts' own calls left out)."""

    def __init__(self, url: str) -> None:
        self.markers = redis.Redis.from_url(url, socket_timeout=5)
        self.watch = redis.Redis.from_url(url, socket_timeout=5).monitor()
        self.watch.__enter__()

    def _until(self, marker: str) -> list[str]:
        seen = []
        while True:
            command = self.watch.next_command()
            if command["client_type"] == "lua":
                continue
            if command["command"] == f"ECHO {marker}":
                return seen
            seen.append(command["command"])

    def during(self, fn: Callable[[], Any]) -> tuple[Any, list[str]]:
        start, end = secrets.token_hex(8), secrets.token_hex(8)
        self.markers.echo(start)
        self._until(start)
        result = fn()
        self.markers.echo(end)
        return result, self._until(end)

    def close(self) -> None:
        self.watch.__exit__()
        self.markers.close()


def redis_api(tmp_path: Path, state_url: str, secret: str) -> TaskAPI:
    """The Task API with its state in the Redis at ``state_url``, on the real clock (Redis keeps time)."""
    from taskapi.app import create_app
    from taskapi.settings import Settings

    outbox = tmp_path / "outbox.jsonl"
    environ = {"TASKAPI_ENV": "demo", "TASKAPI_JWT_SECRET": secret, "DATABASE_URL": f"sqlite:///{tmp_path / 'db'}",
               "TASKAPI_OUTBOX": str(outbox), "TASKAPI_STATE_URL": state_url}
    app = create_app(Settings.from_env(environ, data_dir=tmp_path), passwords=FAST_ARGON2)
    return TaskAPI(app=app, client=app.test_client(), clock=None, outbox=outbox)  # type: ignore[arg-type]


@pytest.fixture
def secret() -> str:
    return secrets.token_urlsafe(40)


@pytest.fixture
def commands(own_redis: Any) -> Iterator[Commands]:
    watcher = Commands(own_redis.url)
    try:
        yield watcher
    finally:
        watcher.close()


def test_an_authenticated_request_costs_one_round_trip(tmp_path: Path, own_redis: Any, secret: str,
                                                       commands: Commands) -> None:
    api = redis_api(tmp_path, own_redis.url, secret)
    _, auth = api.account()
    assert api.client.get("/api/v1/tasks", headers=auth).status_code == 200  # the token is verified once
    requests = {
        "GET /api/v1/tasks": lambda: api.client.get("/api/v1/tasks", headers=auth),
        "POST /api/v1/tasks": lambda: api.client.post("/api/v1/tasks", headers=auth, json={"title": "t"}),
        "GET /api/v1/auth/me": lambda: api.client.get("/api/v1/auth/me", headers=auth),
        "GET /health": lambda: api.client.get("/health"),
    }
    for name, send in requests.items():
        for _ in range(3):
            response, sent = commands.during(send)
            assert response.status_code in (200, 201), (name, response.get_data(as_text=True))
            assert len(sent) == 1, (name, sent)  # the rate-limit decision, with the ban check...
            assert sent[0].startswith("EVALSHA ")
            if name != "GET /health":
                assert ":jwt:rev:" in sent[0], (name, sent)  # ...and the token's revocation set


def test_a_revocation_made_by_another_process_is_refused_at_once_in_one_round_trip(
    tmp_path: Path, own_redis: Any, secret: str, commands: Commands
) -> None:
    """Two app instances on one Redis, as two workers: each has its own verified-token cache, and a token that
    one instance revokes is refused by the other on its very next request."""
    first = redis_api(tmp_path, own_redis.url, secret)
    second = redis_api(tmp_path, own_redis.url, secret)
    _, auth = first.account()
    assert first.client.get("/api/v1/tasks", headers=auth).status_code == 200
    assert first.client.get("/api/v1/tasks", headers=auth).status_code == 200  # answered from the cache
    assert second.client.post("/api/v1/auth/logout-all", headers=auth).status_code == 204
    response, sent = commands.during(lambda: first.client.get("/api/v1/tasks", headers=auth))
    assert response.status_code == 401
    assert len(sent) == 1, sent


def test_a_hung_redis_answers_authenticated_requests_503_within_the_decision_timeout(
    tmp_path: Path, own_redis: Any, secret: str
) -> None:
    """Redis stops answering (SIGSTOP): the rate limit fails open after ``decision_timeout``, the revocation
    check fails closed after ``decision_timeout`` too (not ``socket_timeout`` tried twice), and once the
    breaker is open every request is answered at once. When Redis answers again, so does the API."""
    api = redis_api(tmp_path, own_redis.url, secret)
    _, auth = api.account()
    assert api.client.get("/api/v1/tasks", headers=auth).status_code == 200
    own_redis.pause()
    try:
        for _ in range(6):
            start = time.perf_counter()
            response = api.client.get("/api/v1/tasks", headers=auth)
            took = time.perf_counter() - start
            assert response.status_code == 503
            assert response.content_type == "application/problem+json"
            assert response.headers["Retry-After"].isdigit()
            assert took < 1.0, took  # at most two reads of 0.1 s before the breaker opens
        start = time.perf_counter()
        assert api.client.get("/health").status_code == 200  # public: the rate limit fails open
        assert time.perf_counter() - start < 0.5
    finally:
        own_redis.resume()
    deadline = time.monotonic() + 5
    while api.client.get("/api/v1/tasks", headers=auth).status_code != 200:
        assert time.monotonic() < deadline, "the API did not come back within 5 s of Redis"
        time.sleep(0.05)  # waiting for the breaker's cooldown to pass, on the real clock
