"""Run the probe's test apps in real servers on free loopback ports, and always stop them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests._servers import stop_group, wait_listening
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("flask", "cherrypy", "bottle", "fastapi")
ALL_WEAKNESSES = json.loads((Path(__file__).parent / "apps" / "vulnerable" / "weaknesses.json").read_text())
WEAKNESSES = [w for w in ALL_WEAKNESSES if "mode" not in w]  # planted in the default mode


@dataclass
class Served:
    url: str
    log: Path

    def requests(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


@contextmanager
def serve_command(argv: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[None]:
    """Start ``argv`` (which listens on ``port``), wait until it listens, always stop its process group."""
    with tempfile.TemporaryFile() as out:
        full_env = {**os.environ, **(env or {}), "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}
        proc = subprocess.Popen(argv, cwd=ROOT, env=full_env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            if not wait_listening(port, proc, 30):
                out.seek(0)
                raise RuntimeError(f"server did not start: {out.read().decode(errors='replace')[-3000:]}")
            yield
        finally:
            stop_group(proc)


@contextmanager
def serve(framework: str, variant: str) -> Iterator[Served]:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "requests.jsonl"
        argv = [sys.executable, "-m", "tests.probe.apps.serve", framework, variant, str(port)]
        with serve_command(argv, port, {"PROBE_APP_LOG": str(log)}):
            yield Served(f"http://127.0.0.1:{port}", log)


@contextmanager
def serve_env(framework: str, variant: str, env: dict[str, str]) -> Iterator[Served]:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "requests.jsonl"
        argv = [sys.executable, "-m", "tests.probe.apps.serve", framework, variant, str(port)]
        with serve_command(argv, port, {"PROBE_APP_LOG": str(log), **env}):
            yield Served(f"http://127.0.0.1:{port}", log)
