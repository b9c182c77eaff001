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


def _raises(path: Path) -> list[ast.Raise]:
    """The ``raise X(...)`` statements of library code: command-line handlers (``handle``) are the CLI's own."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    cli = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == "handle" for n in ast.walk(f)}
    return [n for n in ast.walk(tree) if isinstance(n, ast.Raise) and isinstance(n.exc, ast.Call) and id(n) not in cli]


def test_library_code_raises_only_errors_of_the_tree() -> None:
    """No bare ``ValueError`` outside the command-line modules, apart from the JSON parser hooks in
    ``web/validation.py`` whose ValueErrors are caught in the same module."""
    allowed = {"web/validation.py"}
    offenders: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if path.name == "cli.py" or rel in allowed:
            continue
        for node in _raises(path):
            func = node.exc.func if isinstance(node.exc, ast.Call) else None
            if isinstance(func, ast.Name) and func.id == "ValueError":
                offenders.append(f"{rel}:{node.lineno}")
    assert not offenders, f"raise an error of the apishield.errors tree instead: {offenders}"


def test_library_messages_do_not_name_command_line_flags() -> None:
    offenders: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "cli.py":
            continue
        for node in _raises(path):
            args = node.exc.args if isinstance(node.exc, ast.Call) else []
            if not args:
                continue
            text = args[0].value if isinstance(args[0], ast.Constant) else ast.unparse(args[0])
            if isinstance(text, str) and re.search(r"(?<![\w-])--[a-z][a-z-]+", text):
                offenders.append(f"{path.relative_to(SRC).as_posix()}:{node.lineno}")
    assert not offenders, f"library messages say what to change, not which flag: {offenders}"
