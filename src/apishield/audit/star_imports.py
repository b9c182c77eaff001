"""The imports a module receives through ``from M import *`` of another module of the same project.

``from settings import *`` hands the importing module every public name of ``settings``, including the libraries
``settings`` imported (``from lxml import etree``), so a call ``etree.XMLParser(...)`` in the importer is lxml's.
Without this the importer's names are unknown and every rule that resolves a call by its library is blind there.
The expansion copies the star-imported module's own top-level import statements (public names only, or those in
its ``__all__``) into the importer's tree at the place of the star import, once, right after parsing; names the
module defines itself are left out (they are not imports). Modules outside the scanned project are not read; a
star import of a framework module (``from django.http import *``) brings the names the framework table lists there.
"""

from __future__ import annotations

import ast
import copy
import functools
import os

from apishield.audit import astutil as au

#: star imports followed through at most this many modules (a star import of a star import…)
MAX_DEPTH = 2


def _module_file(abspath: str, node: ast.ImportFrom) -> str | None:
    """The project file ``node`` imports from, looked up next to ``abspath`` (or ``level`` folders up)."""
    if not node.module and not node.level:
        return None
    base = os.path.dirname(abspath)
    for _ in range(max(0, node.level - 1)):
        base = os.path.dirname(base)
    parts = (node.module or "").split(".") if node.module else []
    candidates = [os.path.join(base, *parts) + ".py", os.path.join(base, *parts, "__init__.py")]
    if not node.level and len(parts) > 1:  # an absolute dotted name: also try from each parent folder
        parent = os.path.dirname(base)
        candidates += [os.path.join(parent, *parts) + ".py", os.path.join(parent, *parts, "__init__.py")]
    return next((c for c in candidates if os.path.isfile(c)), None)


def _exported(tree: ast.Module) -> set[str] | None:
    """The names in ``__all__`` when it is a literal list or tuple, else ``None`` (every public name)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            value = au.const(node.value)
            if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                return set(value)
    return None


def _public_imports(path: str, depth: int) -> tuple[ast.stmt, ...]:
    """Top-level import statements of the module at ``path`` that a star import passes on; read once per version of
    the file, however many modules star-import it."""
    try:
        stat = os.stat(path)
    except OSError:
        return ()
    return _read_public_imports(path, stat.st_mtime_ns, stat.st_size, depth)


@functools.lru_cache(maxsize=256)
def _read_public_imports(path: str, mtime_ns: int, size: int, depth: int) -> tuple[ast.stmt, ...]:
    try:
        tree = ast.parse(au.read_source(path), filename=path)
    except (OSError, SyntaxError, ValueError):
        return ()
    wanted = _exported(tree)
    found: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            if depth < MAX_DEPTH and (target := _module_file(path, node)) is not None:
                found.extend(_public_imports(target, depth + 1))
            continue
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        names = [a for a in node.names
                 if not (a.asname or a.name.split(".")[0]).startswith("_")
                 and (wanted is None or (a.asname or a.name.split(".")[0]) in wanted)]
        if names:
            kept = copy.copy(node)
            kept.names = names
            found.append(kept)
    return tuple(found)


@functools.cache
def _framework_names(module: str) -> tuple[str, ...]:
    """The names of ``module`` that the framework table lists (responses, redirects, renderers, escapes...)."""
    from apishield.audit.frameworks.table import FRAMEWORKS

    names = {str(entry[0] if isinstance(entry, tuple) else entry) for f in FRAMEWORKS
             for column in ("redirects", "file_senders", "template_sources", "html_responses", "json_responses",
                            "escapes", "safe_joins", "no_data", "aborts", "renders", "context_renders", "sessions",
                            "request_objects")
             for entry in getattr(f, column)}
    return tuple(sorted(n.rsplit(".", 1)[1] for n in names if n.rsplit(".", 1)[0] == module))


def expand(tree: ast.Module, abspath: str) -> None:
    """Put, next to each top-level ``from M import *`` of a project module, the imports ``M`` passes on."""
    if not abspath or not any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)
                              for n in tree.body):
        return
    body: list[ast.stmt] = []
    for node in tree.body:
        body.append(node)
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            target = _module_file(abspath, node)
            known = () if target or node.level or not node.module else _framework_names(node.module)
            if known:  # a framework module (``from django.http import *``): the names the framework table knows
                body.append(ast.copy_location(ast.ImportFrom(module=node.module, names=[ast.alias(n) for n in known],
                                                             level=0), node))
            for imported in (_public_imports(target, 1) if target else []):
                placed = copy.copy(imported)
                ast.copy_location(placed, node)
                placed.end_lineno = node.end_lineno
                body.append(placed)
    tree.body = body


__all__ = ["expand"]
