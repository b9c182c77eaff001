"""Small, pure helpers over :mod:`ast` shared by the framework models and the rules.

Names are resolved through the module's imports, so ``from flask import Flask as F; F(__name__)`` and
``import flask; flask.Flask(__name__)`` both read as ``flask.Flask``.
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

Imports = dict[str, str]

_UNSET: Any = object()


_WALK_CACHE: OrderedDict[int, tuple[ast.AST, list[ast.AST]]] = OrderedDict()
_PARENT_CACHE: OrderedDict[int, tuple[ast.AST, dict[int, ast.AST]]] = OrderedDict()
_CACHE_SIZE = 256


def walk(node: ast.AST) -> list[ast.AST]:
    """``list(ast.walk(node))``, memoised: every rule walks the same module, so walk it once.

    The cache holds the node itself, so an id is never confused with a newer object's.
    """
    key = id(node)
    hit = _WALK_CACHE.get(key)
    if hit is not None and hit[0] is node:
        _WALK_CACHE.move_to_end(key)
        return hit[1]
    nodes = list(ast.walk(node))
    _WALK_CACHE[key] = (node, nodes)
    if len(_WALK_CACHE) > _CACHE_SIZE:
        _WALK_CACHE.popitem(last=False)
    return nodes


def import_map(tree: ast.AST) -> Imports:
    """Local name -> fully qualified dotted name for every import in ``tree`` (any nesting level)."""
    table: Imports = {}
    for node in walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    table[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    table.setdefault(top, top)
        elif isinstance(node, ast.ImportFrom):
            base = ("." * node.level) + (node.module or "")
            for alias in node.names:
                if alias.name == "*":
                    continue
                table[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    return table


def dotted(node: ast.AST | None) -> str:
    """``a.b.c`` for a Name/Attribute chain (calls in the chain are skipped: ``a().b`` -> ``a.b``)."""
    parts: list[str] = []
    while node is not None:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            break
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return ""
    return ".".join(reversed(parts))


def qualname(node: ast.AST | None, imports: Imports) -> str:
    """:func:`dotted` with the first component resolved through ``imports``."""
    name = dotted(node)
    if not name:
        return ""
    head, _, rest = name.partition(".")
    full = imports.get(head, head)
    return f"{full}.{rest}" if rest else full


def call_name(call: ast.Call, imports: Imports) -> str:
    return qualname(call.func, imports)


def last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def has_kwargs_splat(call: ast.Call) -> bool:
    return any(kw.arg is None for kw in call.keywords)


def arg(call: ast.Call, index: int, name: str | None = None) -> ast.expr | None:
    """Positional argument ``index`` or keyword ``name``."""
    if name is not None:
        found = kwarg(call, name)
        if found is not None:
            return found
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return None


def const(node: ast.AST | None, default: Any = None) -> Any:
    """The Python value of a literal expression (constants, lists, tuples, dicts, sets), else ``default``."""
    if node is None:
        return default
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return default


def is_const(node: ast.AST | None) -> bool:
    return const(node, _UNSET) is not _UNSET


def str_const(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def is_false(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def is_env_read(node: ast.AST | None, imports: Imports) -> bool:
    """True when ``node`` reads the environment or a config file (``os.environ``, ``getenv``, ``config(...)``).

    Values decided by the deployment are treated as *unknown*, never as vulnerable.
    """
    if node is None:
        return False
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            name = call_name(sub, imports)
            tail = last(name)
            if name.startswith(("os.environ", "os.getenv")) or tail in {
                "getenv",
                "get_env",
                "env",
                "config",
                "getboolean",
                "getbool",
                "get_bool",
                "bool_env",
                "str2bool",
                "strtobool",
                "int_env",
            }:
                return True
        if isinstance(sub, (ast.Attribute, ast.Name, ast.Subscript)):
            name = qualname(sub, imports)
            if name.startswith("os.environ") or ".environ" in name or name.startswith(("settings.", "config.")):
                return True
    return False


def functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in walk(tree):
        if isinstance(node, ast.Call):
            yield node


def strings_in(node: ast.AST) -> Iterator[str]:
    for sub in walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub.value


def target_names(node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> list[str]:
    """Dotted names assigned by ``node`` (``a = b = x`` -> ``['a', 'b']``; ``self.x = ...`` -> ``['self.x']``)."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    out: list[str] = []
    for t in targets:
        if isinstance(t, (ast.Tuple, ast.List)):
            out.extend(dotted(e) for e in t.elts if dotted(e))
        elif dotted(t):
            out.append(dotted(t))
    return out


def subscript_key(node: ast.Subscript) -> Any:
    return const(node.slice)


def line_of(lines: list[str], lineno: int) -> str:
    if 1 <= lineno <= len(lines):
        return lines[lineno - 1].strip()
    return ""


def in_main_guard(tree: ast.Module) -> set[int]:
    """Line numbers inside ``if __name__ == '__main__':`` blocks."""
    found: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            names = {dotted(node.test.left)} | {dotted(c) for c in node.test.comparators}
            values = {const(c) for c in node.test.comparators} | {const(node.test.left)}
            if "__name__" in names and "__main__" in values:
                for sub in node.body:
                    for inner in ast.walk(sub):
                        if hasattr(inner, "lineno"):
                            found.add(inner.lineno)
    return found


def parent_map(tree: ast.AST) -> dict[int, ast.AST]:
    """id(child) -> parent, for walking outwards (memoised like :func:`walk`)."""
    hit = _PARENT_CACHE.get(id(tree))
    if hit is not None and hit[0] is tree:
        return hit[1]
    parents: dict[int, ast.AST] = {}
    for node in walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    _PARENT_CACHE[id(tree)] = (tree, parents)
    if len(_PARENT_CACHE) > 16:
        _PARENT_CACHE.popitem(last=False)
    return parents


__all__ = [
    "Imports",
    "arg",
    "call_name",
    "calls",
    "const",
    "dotted",
    "functions",
    "has_kwargs_splat",
    "import_map",
    "in_main_guard",
    "is_const",
    "is_env_read",
    "is_false",
    "is_true",
    "kwarg",
    "last",
    "line_of",
    "parent_map",
    "qualname",
    "str_const",
    "strings_in",
    "subscript_key",
    "target_names",
    "walk",
]
