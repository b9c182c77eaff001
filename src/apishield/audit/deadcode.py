"""Code that cannot run given a module's literal constants (``ENVIRONMENT = "PRODUCTION"`` then
``match ENVIRONMENT.upper(): ... case _: app.run(debug=True)``): rules about how a server is started skip it."""

from __future__ import annotations

import ast
import builtins
from typing import Any

from apishield.audit import astutil as au


def _module_constants(tree: ast.Module) -> dict[str, Any]:
    """Module-level names assigned exactly once, to a str/int/bool literal (``ENVIRONMENT: str = "PRODUCTION"``)."""
    seen: dict[str, list[Any]] = {}
    for node in au.walk(tree):
        for target in ([node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else
                       node.targets if isinstance(node, ast.Assign) else []):
            if isinstance(target, ast.Name):
                value = getattr(node, "value", None)
                ok = node in tree.body and not isinstance(node, ast.AugAssign) and isinstance(value, ast.Constant)
                seen.setdefault(target.id, []).append(value.value if ok else ...)  # type: ignore[union-attr]
    return {k: v[0] for k, v in seen.items() if len(v) == 1 and v[0] is not ... and isinstance(v[0], (str, int))}


def _fold(node: ast.AST, consts: dict[str, Any]) -> Any:
    """The value of ``NAME``, ``NAME.upper()``/``.lower()``, a literal, ``==``/``!=`` of those, or ``...``."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return consts.get(node.id, ...)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args
            and node.func.attr in {"upper", "lower", "strip"}):
        inner = _fold(node.func.value, consts)
        return getattr(inner, node.func.attr)() if isinstance(inner, str) else ...
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
        a, b = _fold(node.left, consts), _fold(node.comparators[0], consts)
        if a is ... or b is ...:
            return ...
        return (a == b) if isinstance(node.ops[0], ast.Eq) else (a != b)
    return ...


#: statements after which nothing in the same block runs
_ENDS_BLOCK = (ast.Return, ast.Raise, ast.Break, ast.Continue)


def dead_lines(tree: ast.Module) -> set[int]:
    """Lines that cannot run: statements after a ``return``, ``raise``, ``break`` or ``continue`` in the same block,
    and, given the module's literal constants, the branch an ``if`` on a folded constant never takes and the cases of a
    ``match`` on a folded constant after (or other than) the one that matches. Only literal and wildcard patterns are
    read; any other pattern leaves the ``match`` alone."""
    consts = _module_constants(tree)
    dead: set[int] = set()

    def span(stmts: list[ast.stmt]) -> set[int]:
        return {n for s in stmts for n in range(s.lineno, (s.end_lineno or s.lineno) + 1)}

    for node in au.walk(tree):  # statements after a return, raise, break or continue in the same block
        for body in (getattr(node, f, None) for f in ("body", "orelse", "finalbody")):
            if isinstance(body, list):
                ends = [i for i, s in enumerate(body) if isinstance(s, _ENDS_BLOCK)]
                if ends:
                    dead |= span(body[ends[0] + 1:])
    if not consts:
        return dead
    for node in au.walk(tree):
        if isinstance(node, ast.If):
            value = _fold(node.test, consts)
            if value is not ...:
                dead |= span(node.orelse if value else node.body)
        elif isinstance(node, ast.Match):
            subject = _fold(node.subject, consts)
            if subject is ... or any(c.guard is not None for c in node.cases) or not all(
                    (isinstance(c.pattern, ast.MatchValue) and isinstance(c.pattern.value, ast.Constant))
                    or (isinstance(c.pattern, ast.MatchAs) and c.pattern.pattern is None) for c in node.cases):
                continue
            taken = False
            for case in node.cases:
                pattern = case.pattern
                hit = not taken and (
                    isinstance(pattern, ast.MatchAs) or pattern.value.value == subject)  # type: ignore[attr-defined]
                if not hit:
                    dead |= span(case.body)
                taken = taken or hit
    return dead


def bound_names(tree: ast.Module) -> set[str]:
    """Every name the module binds anywhere: assignments and other stores, imports, definitions, parameters,
    ``global``/``nonlocal`` declarations, plus the builtins; a name outside it cannot be read without a NameError.
    Empty when the module star-imports (its names are then not known)."""
    if any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) for n in au.walk(tree)):
        return set()  # ``from x import *`` binds names this module does not list: nothing can be said
    names = set(dir(builtins))
    for node in au.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar, ast.ExceptHandler)) and node.name:
            names.add(node.name)
    return names


def unbound_receiver(node: ast.AST, bound: set[str]) -> bool:
    """A method call or attribute assignment on a name the module never binds (``app.run(debug=True)`` with no
    ``app`` anywhere in the module): the line ends in a NameError before it does anything."""
    target = node.func if isinstance(node, ast.Call) else node.targets[0] if isinstance(node, ast.Assign) else None
    while isinstance(target, (ast.Attribute, ast.Subscript)):
        target = target.value
    inner = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    return (inner or isinstance(node, ast.Assign)) and isinstance(target, ast.Name) and target.id not in bound


__all__ = ["bound_names", "dead_lines", "unbound_receiver"]
