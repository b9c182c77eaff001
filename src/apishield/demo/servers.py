"""Start an application under a production server on a free loopback port, wait until it answers, stop it.

A :class:`ServerProcess` owns its child (its own process group, so the server's workers go with it), writes
the server's output to a log file, and is always stopped by its context manager, even when the demo fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

import httpx

from apishield.errors import ApishieldError

LOOPBACK = "127.0.0.1"


class ServerError(ApishieldError):
    """A demo server did not start or did not become ready."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """One server: ``command`` (with ``{port}`` placeholders) run in ``cwd`` with extra ``env``."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        log_path: Path,
        port: int | None = None,
        ready_path: str = "/health",
        ready_timeout: float = 30.0,
    ) -> None:
        self.name = name
        self.port = port or free_port()
        self.command = [part.replace("{port}", str(self.port)) for part in command]
        self.cwd = cwd
        self.env = {**os.environ, **(env or {})}
        self.log_path = log_path
        self.ready_path = ready_path
        self.ready_timeout = ready_timeout
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The server's process id (the leader of its process group) once started."""
        return None if self._proc is None else self._proc.pid

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        try:
            self._proc = subprocess.Popen(  # noqa: S603 - fixed argv built by the demo, no shell
                self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        except OSError as exc:
            log.close()
            raise ServerError(f"{self.name}: cannot start {self.command[0]}: {exc}") from exc
        log.close()
        self.wait_ready()

    def wait_ready(self) -> None:
        """Poll ``ready_path`` until it answers (any status below 500) or the process dies or time runs out."""
        deadline = time.monotonic() + self.ready_timeout
        url = self.base_url + self.ready_path
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self._proc is not None and self._proc.poll() is not None:
                    raise ServerError(f"{self.name}: the server exited with {self._proc.returncode}; "
                                      f"see {self.log_path}")
                try:
                    if client.get(url).status_code < 500:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        raise ServerError(f"{self.name}: not ready after {self.ready_timeout:.0f} s; see {self.log_path}")

    def stop(self, grace: float = 8.0) -> None:
        """SIGTERM the server's process group, then SIGKILL what is left after ``grace`` seconds."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def __enter__(self) -> ServerProcess:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
