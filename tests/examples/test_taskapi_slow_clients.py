"""Slow clients against the Task API as the shipped gunicorn config serves it (real gunicorn on loopback).

A client that sends its request body slowly holds what serves it: a whole worker with sync workers, one
thread with the config's ``gthread`` workers. Four such clients make a 3-worker sync server unavailable (the
control case, so the test can fail); under the shipped config the API keeps answering.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from apishield.demo.apps import demo_apps
from apishield.demo.servers import LOOPBACK, ServerProcess
from tests.examples.conftest import EXAMPLES

pytestmark = pytest.mark.slow
CONFIG = EXAMPLES / "taskapi" / "gunicorn.conf.py"
SLOW_CLIENTS = 4


def _slow_client(port: int) -> socket.socket:
    """Headers and the first byte of a 1,000-byte JSON body, then nothing (the connection is held open)."""
    sock = socket.create_connection((LOOPBACK, port), timeout=5)
    sock.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 1000\r\n\r\n{")
    return sock


def _serve(tmp_path: Path, *options: str) -> Iterator[ServerProcess]:
    app = next(a for a in demo_apps(EXAMPLES, tmp_path, workers=2) if a.name == "taskapi")
    command = (sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "--no-control-socket", "--graceful-timeout",
               "3", "-b", "127.0.0.1:{port}", *options, "taskapi.wsgi:app")
    with ServerProcess(app.name, command, cwd=app.cwd, env=app.env, log_path=tmp_path / "gunicorn.log") as server:
        yield server


def _health_under_slow_clients(server: ServerProcess) -> list[float | None]:
    """Seconds each of 5 health checks took while the slow clients hold their connections (None: no answer
    within 3 s)."""
    with ExitStack() as stack:
        for _ in range(SLOW_CLIENTS):
            stack.enter_context(_slow_client(server.port))
        time.sleep(1.0)  # let the workers pick them up
        took: list[float | None] = []
        with httpx.Client(base_url=server.base_url, timeout=3, trust_env=False) as client:
            for _ in range(5):
                start = time.monotonic()
                try:
                    ok = client.get("/health").status_code == 200
                except httpx.TimeoutException:
                    ok = False
                took.append(time.monotonic() - start if ok else None)
                if not ok:
                    break
        return took


def test_the_shipped_config_keeps_serving_while_slow_clients_hold_connections(tmp_path: Path) -> None:
    for server in _serve(tmp_path, "-w", "2"):
        took = _health_under_slow_clients(server)
        print(f"\n[slow clients] gthread config, {SLOW_CLIENTS} slow clients: health checks took {took}")
        assert None not in took and len(took) == 5
        assert max(t for t in took if t is not None) < 2.0


def test_sync_workers_without_a_buffering_proxy_are_made_unavailable(tmp_path: Path) -> None:
    """The control: what the config is for (the deployment docs say sync workers need a buffering proxy)."""
    for server in _serve(tmp_path, "-w", "3", "-k", "sync", "--threads", "1"):  # threads > 1 would be gthread
        took = _health_under_slow_clients(server)
        print(f"\n[slow clients] 3 sync workers, {SLOW_CLIENTS} slow clients: health checks took {took}")
        assert took[-1] is None
