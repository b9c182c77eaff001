"""The short chaos suite of ``benchmarks/load.py app-chaos``: the Task API under gunicorn (shipped config, 4
workers) and a steady authenticated load, while a worker is killed with SIGKILL, Redis is stopped and started,
Redis hangs (SIGSTOP) and resumes, the SQLite state file's write lock is held by another process, and a client
sprays distinct addresses. A real redis-server (AOF, as in production) is started and stopped by the suite.

Asserted here, the must-shows that hold on a loaded 2-core machine: no answer 5xx other than 503 in any
phase, service back within 5 s of the fault ending without restarting the app, and nothing stored lost (a
revoked token stays revoked, a lockout stays, a refresh family survives, every acknowledged task is there).
The latency figures are printed (``pytest -s``); ``make bench`` runs the long version with all targets.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from benchmarks._app_load import SHORT, chaos

pytestmark = [pytest.mark.slow, pytest.mark.redis]


def test_taskapi_under_load_answers_503_never_500_recovers_and_keeps_its_state(redis_url: str,
                                                                                tmp_path: Path) -> None:
    if not (os.environ.get("APISHIELD_REDIS_SERVER_BIN") or shutil.which("redis-server")):
        pytest.skip("redis-server not found")
    print()
    results = chaos(tmp_path, SHORT)
    assert [r.name for r in results] == ["worker kill -9", "Redis stopped", "Redis hung (SIGSTOP)",
                                         "client sprays distinct keys", "SQLite lock held"]
    for r in results:
        assert r.statuses[500] == 0 and r.errors_500 == 0, r.line()
        assert r.back_after is not None and r.back_after <= 5.0, r.line()
        assert all(r.state.values()), r.line()
        assert r.statuses[200] > 0, r.line()  # the load ran through the phase
    # the stores fail closed for authenticated requests: Redis away means 503s, not answers from nowhere
    by_name = {r.name: r for r in results}
    assert by_name["Redis stopped"].statuses[503] > 0
    assert by_name["worker kill -9"].statuses[503] == 0
    for log in tmp_path.glob("taskapi-*.log"):
        assert "Traceback" not in log.read_text(errors="replace"), log
