"""Redis stopped mid-run: the guard follows on_store_error, logs (throttled), never raises; Redis back: works."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from apishield import events
from apishield.errors import Reject, StoreError
from apishield.guard import Allow
from apishield.ratelimit import RateLimiter, RateLimitGuard
from apishield.request import RequestView
from apishield.stores import from_url

from ..conftest import free_port


class RedisServer:
    def __init__(self, binary: str, port: int, workdir: Path) -> None:
        self.binary, self.port, self.workdir = binary, port, workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        try:
            for _ in range(100):
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    time.sleep(0.05)  # waiting for a real server to listen, not for time logic
            raise RuntimeError("redis-server did not start")
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    binary = os.environ.get("APISHIELD_REDIS_SERVER_BIN") or shutil.which("redis-server")
    if not binary:
        if os.environ.get("CI"):
            pytest.fail("CI must provide redis-server (APISHIELD_REDIS_SERVER_BIN or PATH)")
        pytest.skip("redis-server not found")
    server = RedisServer(binary, free_port(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def view() -> RequestView:
    return RequestView(method="GET", path="/items", client_ip="203.0.113.7")


@pytest.mark.redis
@pytest.mark.parametrize("policy", ["allow", "deny"])
def test_guard_survives_redis_outage_and_recovers(own_redis: RedisServer, policy: Any) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    unsubscribe = events.add_listener(lambda name, fields: seen.append((name, fields)))
    try:
        # the breaker is off here: this is about the guard's policy and reconnecting (breaker: below)
        store = from_url(own_redis.url, socket_timeout=0.5, socket_connect_timeout=0.5, breaker_failures=0)
        limiter = RateLimiter(store)
        guard = RateLimitGuard(limiter, "100/minute", scope=uuid.uuid4().hex, on_store_error=policy)
        up = guard.check(view())
        assert isinstance(up, Allow) and "RateLimit" in up.headers

        own_redis.stop()
        with pytest.raises(StoreError):
            limiter.hit("direct", "100/minute")
        answers = [guard.check(view()) for _ in range(5)]
        if policy == "allow":
            assert all(isinstance(a, Allow) and a.headers == {} for a in answers)
        else:
            assert all(isinstance(a, Reject) and a.status == 503 and "Retry-After" in a.headers for a in answers)
        errors = [fields for name, fields in seen if name == "ratelimit.store_error"]
        assert len(errors) == 1  # five failures, one log line: the event is throttled
        assert errors[0]["action"] == ("allowed" if policy == "allow" else "denied")

        own_redis.start()  # same port, empty server, no scripts loaded: NOSCRIPT must be handled
        back = guard.check(view())
        assert isinstance(back, Allow) and "RateLimit" in back.headers
        store.close()
    finally:
        unsubscribe()
