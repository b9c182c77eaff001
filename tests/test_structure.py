"""The package's shape: dependencies point inward and modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "apishield"
#: the outer layers: they may use the adapters; everything else is core and must not
OUTER = ("integrations", "audit", "probe", "demo")
MAX_LINES = 600


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def is_core(path: Path) -> bool:
    parts = path.relative_to(SRC).parts
    return parts[0] not in OUTER and path.stem != "cli"


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (function-level imports included), made absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(("apishield", *path.relative_to(SRC).parent.parts))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_the_walk_sees_the_packages() -> None:
    core = [p for p in modules() if is_core(p)]
    assert any(p.parts[-2:] == ("shield", "pipeline.py") for p in core)
    assert not any("integrations" in p.parts for p in core)
    adapter = SRC / "integrations" / "flask.py"
    assert any(name.startswith("apishield.shield") for name in imported(adapter))


@pytest.mark.parametrize("path", [p for p in modules() if is_core(p)], ids=lambda p: str(p.relative_to(SRC)))
def test_core_modules_do_not_import_the_adapters(path: Path) -> None:
    bad = sorted(name for name in imported(path) if name == "apishield.integrations"
                 or name.startswith("apishield.integrations."))
    assert not bad, f"{path.relative_to(SRC)} imports {bad}: the core must not depend on the adapters"


def test_the_import_walk_resolves_relative_imports() -> None:
    sample = SRC / "web" / "csrf.py"
    assert "apishield.errors" in imported(sample)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_is_over_600_lines(path: Path) -> None:
    relative = path.relative_to(SRC).as_posix()
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{relative} has {lines} lines; split it (limit {MAX_LINES})"


ADAPTERS = ("flask", "fastapi", "bottle", "cherrypy")


@pytest.mark.parametrize("name", ADAPTERS)
def test_adapters_hold_the_core_shield_and_never_subclass_it(name: str) -> None:
    import importlib

    from apishield.shield import Shield as Core
    from apishield.shield.frontend import ShieldFrontend

    adapter = importlib.import_module(f"apishield.integrations.{name}").Shield
    assert not issubclass(adapter, Core)
    assert issubclass(adapter, ShieldFrontend)
    assert isinstance(adapter().core, Core)
