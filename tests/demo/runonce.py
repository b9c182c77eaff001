"""One full demo run per test process, shared by the end-to-end tests (they sit in one xdist group)."""

from __future__ import annotations

import atexit
import functools
import shutil
import importlib.util
import tempfile
from pathlib import Path

from apishield.demo.runner import DemoOptions, DemoResult, run_demo

BUDGET = 300


def tools_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("apishield.audit.cli", "apishield.probe.cli"))


@functools.cache
def demo_result() -> DemoResult:
    out = Path(tempfile.mkdtemp(prefix="apishield-demo-test-"))
    atexit.register(shutil.rmtree, out, True)
    return run_demo(DemoOptions(out=out, budget=BUDGET, workers=2, probe_timeout=80))
