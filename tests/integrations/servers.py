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


def command(framework: str, port: int, workers: int = 1, target: str | None = None) -> list[str]:
    """The server command for ``framework``'s test app, or for ``target`` (``module:attribute``; for
    CherryPy a module run with the port). With a target, Bottle runs under waitress instead of gunicorn."""
    py = sys.executable
    bind = f"127.0.0.1:{port}"
    if target is not None:
        module = target.partition(":")[0]
        if framework == "flask":
            return [py, "-m", "gunicorn", "-w", str(workers), "-b", bind, "--graceful-timeout", "2", target]
        if framework == "bottle":
            return [py, "-m", "waitress", f"--listen={bind}", "--trusted-proxy=127.0.0.1",
                    "--trusted-proxy-headers=x-forwarded-proto", target]
        if framework == "fastapi":
            return [py, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        if framework == "cherrypy":
            return [py, "-m", module, str(port)]
        raise ValueError(framework)
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
def serve(framework: str, *, workers: int = 1, target: str | None = None, **env_overrides: str) -> Iterator[str]:
    """Run ``framework``'s test app (or ``target``, see :func:`command`); yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "APISHIELD_TEST_JWT_SECRET": JWT_SECRET,
        **env_overrides,
    }
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            command(framework, port, workers, target), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            if not wait_listening(port, proc, 30):
                log.seek(0)
                raise RuntimeError(f"{framework} server did not start:\n{log.read().decode(errors='replace')[-4000:]}")
            yield f"http://127.0.0.1:{port}"
        finally:
            stop_group(proc)
