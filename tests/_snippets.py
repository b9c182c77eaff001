"""Running documentation code blocks as modules: one loader for the README and the documentation site tests."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType


@contextmanager
def snippet_loader(directory: Path) -> Iterator[Callable[[str, str], ModuleType]]:
    """Yields ``load(module_name, code)``, which imports ``code`` as a module; on exit the modules are forgotten
    and CherryPy's process-wide tree (which examples mount on) is left as it was found."""
    import cherrypy

    loaded: list[str] = []
    mounted = dict(cherrypy.tree.apps)

    def load(module_name: str, code: str) -> ModuleType:
        path = directory / f"{module_name}.py"
        path.write_text(code, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(module_name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        loaded.append(module_name)
        spec.loader.exec_module(module)
        return module

    try:
        yield load
    finally:
        cherrypy.tree.apps.clear()
        cherrypy.tree.apps.update(mounted)
        for module_name in loaded:
            sys.modules.pop(module_name, None)
