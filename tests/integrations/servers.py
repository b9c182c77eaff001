"""Start the test apps in real servers on free loopback ports, and always stop them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
JWT_SECRET = "integration-test-secret-" + "k" * 40  # test-only key, 64 bytes
FRAMEWORKS = ("flask", "bottle", "cherrypy", "fastapi")


def command(framework: str, port: int, workers: int = 1) -> list[str]:
    py = sys.executable
    bind = f"127.0.0.1:{port}"
    if framework in ("flask", "bottle"):
        return [py, "-m", "gunicorn", "-w", str(workers), "-b", bind, "--graceful-timeout", "2",
                f"tests.integrations.apps.{framework}_app:app"]
    if framework == "fastapi":
        return [py, "-m", "uvicorn", "tests.integrations.apps.fastapi_app:app", "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    if framework == "cherrypy":
        return [py, "-m", "tests.integrations.apps.cherrypy_app", str(port)]
    raise ValueError(framework)


def _wait_listening(port: int, proc: subprocess.Popen[bytes], deadline: float) -> bool:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


@contextmanager
def serve(framework: str, *, workers: int = 1, **env_overrides: str) -> Iterator[str]:
    """Run ``framework``'s test app; yields its base URL (http://127.0.0.1:PORT)."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "APISHIELD_TEST_JWT_SECRET": JWT_SECRET,
        **env_overrides,
    }
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            command(framework, port, workers), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            if not _wait_listening(port, proc, time.monotonic() + 30):
                log.seek(0)
                raise RuntimeError(f"{framework} server did not start:\n{log.read().decode(errors='replace')[-4000:]}")
            yield f"http://127.0.0.1:{port}"
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=8)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
