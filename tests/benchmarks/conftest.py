"""The benchmark harnesses under test, each loaded once from benchmarks/ (they are scripts, not a package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def load_script(name: str) -> Any:
    """``benchmarks/<name>.py`` as a module registered under ``name``."""
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def zoo() -> Any:
    return load_script("probe_zoo")


@pytest.fixture(scope="module")
def unseen() -> Any:
    return load_script("audit_unseen")
