"""A benchmark stopped with ``kill`` (SIGTERM) stops the servers it started, as one stopped with Ctrl-C does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import subprocess, sys, time
sys.path[:0] = [{bench!r}, {src!r}]
from _app_load import stop_servers_on_sigterm
stop_servers_on_sigterm()
server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
try:
    print(server.pid, flush=True)
    time.sleep(60)
finally:
    server.terminate()
    server.wait(10)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waits for its parent only: it is stopped
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_killed_benchmark_stops_the_server_it_started() -> None:
    code = CHILD.format(bench=str(ROOT / "benchmarks"), src=str(ROOT / "src"))
    bench = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert bench.stdout is not None
    server = int(bench.stdout.readline())
    try:
        bench.send_signal(signal.SIGTERM)
        assert bench.wait(15) == 128 + signal.SIGTERM
        deadline = time.monotonic() + 5
        while _alive(server) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _alive(server)
    finally:
        bench.kill()
        if _alive(server):
            os.kill(server, signal.SIGKILL)
