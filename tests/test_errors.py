"""Every error the product raises on purpose sits in the one tree drawn in ``apishield.errors``."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from apishield import errors
from apishield.errors import ApishieldError, ConfigError

SRC = Path(errors.__file__).resolve().parent


def _modules_defining_errors() -> list[str]:
    names: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, ast.ClassDef) and node.bases for node in tree.body):
            parts = path.relative_to(SRC.parent).with_suffix("").parts
            names.append(".".join(p for p in parts if p != "__init__"))
    return names


def _subclasses(cls: type) -> set[type]:
    out: set[type] = set()
    for sub in cls.__subclasses__():
        out |= {sub, *_subclasses(sub)}
    return out


def test_every_product_error_is_drawn_in_the_tree() -> None:
    for name in _modules_defining_errors():
        importlib.import_module(name)
    drawn = set(re.findall(r"[├└]── (\w+)", errors.__doc__ or ""))
    ours = {cls.__name__ for cls in _subclasses(ApishieldError) if cls.__module__.startswith("apishield.")}
    assert {"ConfigError", "Reject", "ProbeError"} <= ours
    missing = sorted(ours - drawn)
    assert not missing, f"draw these in the apishield.errors docstring: {missing}"


def test_config_errors_are_value_errors_for_callers_that_catch_those() -> None:
    assert issubclass(ConfigError, ValueError) and issubclass(ConfigError, ApishieldError)
