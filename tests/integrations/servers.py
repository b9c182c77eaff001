"""Start the test apps in real servers on free loopback ports, and always stop them."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests._servers import stop_group, wait_listening
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
            if not wait_listening(port, proc, 30):
                log.seek(0)
                raise RuntimeError(f"{framework} server did not start:\n{log.read().decode(errors='replace')[-4000:]}")
            yield f"http://127.0.0.1:{port}"
        finally:
            stop_group(proc)
