"""Process helpers shared by the suites that run real servers: wait until one listens, always stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time


def wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> bool:
    """True once something accepts on 127.0.0.1:``port``; False if ``proc`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop ``proc``'s whole process group (it must have been started with ``start_new_session=True``)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=8)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
