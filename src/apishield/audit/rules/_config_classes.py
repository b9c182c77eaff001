"""Configuration classes and files that are not the served configuration (AS301 and the other posture rules).

``Test*``/``Dev*`` classes, functions named for tests and files named for tests or local development describe
the developer's machine. A base class whose ``DEBUG = True`` every production-like subclass switches off
(``class ProductionConfig(DefaultConfig): DEBUG = False``) is the development default of a hierarchy whose served
member is chosen elsewhere (usually from the environment): low, not medium. So is a settings module's top-level
``DEBUG = True`` or literal ``SECRET_KEY`` that a later ``if`` on the configuration assigns again.
"""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au
from apishield.audit.deadcode import dead_lines

DEV_CLASS = re.compile(r"(test|dev|develop|local|debug)", re.IGNORECASE)


def is_dev_class(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    cur: ast.AST | None = node
    while cur is not None:
        if isinstance(cur, ast.ClassDef) and DEV_CLASS.search(cur.name):
            return True
        if isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef)) and re.search(r"test", cur.name, re.I):
            return True
        cur = parents.get(id(cur))
    return False


#: an ``if`` test about the development environment (``'DEV' in os.environ``, ``settings.DEBUG``, ``ENV == 'local'``)
DEV_TEST = re.compile(r"(?<![A-Za-z0-9])(?:local[-_]?)?(dev|devel|develop|development|devstack|debug|local)"
                      r"(?![A-Za-z0-9])", re.IGNORECASE)  # ``localdev``, ``local-dev`` too


def _dev_branch(test: ast.expr) -> bool | None:
    """For an ``if`` test about the development environment, whether its body (True) or its ``else`` (False, the
    test negated: ``if not DEBUG:``, ``if 'DEV' not in os.environ:``) is the development branch; None otherwise."""
    if not DEV_TEST.search(ast.unparse(test)):
        return None
    negated = (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)) or (isinstance(
        test, ast.Compare) and any(isinstance(op, (ast.NotIn, ast.NotEq, ast.IsNot)) for op in test.ops))
    return not negated


def in_dev_branch(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """``node`` sits in the branch an ``if`` on the development environment takes there (its body, or its ``else``
    when the test is negated: ``if not DEBUG:``, ``if 'DEV' not in os.environ:``)."""
    child, cur = node, parents.get(id(node))
    while cur is not None:
        if isinstance(cur, ast.If) and (body := _dev_branch(cur.test)) is not None \
                and any(child is s for s in cur.body) == body:
            return True
        child, cur = cur, parents.get(id(cur))
    return False


def dev_branch_lines(tree: ast.AST) -> set[int]:
    """The lines of every statement in a development branch of the module (what :func:`in_dev_branch` says of
    each node there), read once per module: for facts that keep only a line (an app's ``register_blueprint`` in ``if
    config['dev']:``) and for rules that test many nodes (AS301)."""
    lines: set[int] = set()
    for node in au.nodes_of(tree, ast.If):
        body = _dev_branch(node.test)
        if body is None:
            continue
        for stmt in node.body if body else node.orelse:
            lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines


def _sets_false(cls: ast.ClassDef, key: str) -> bool:
    return any(isinstance(s, ast.Assign) and au.is_false(s.value) and key in au.target_names(s) for s in cls.body)


def overridden_off(tree: ast.AST, node: ast.AST, parents: dict[int, ast.AST], key: str = "DEBUG") -> str:
    """The name of a production-like subclass (not named for tests or development) that sets ``key`` false when
    ``node`` is a ``key = True`` in the body of a class it extends (directly or through others), or ``""``."""
    owner = parents.get(id(node))
    if not isinstance(owner, ast.ClassDef):
        return ""
    classes = [c for c in au.walk(tree) if isinstance(c, ast.ClassDef)]
    descendants, grew = {owner.name}, True
    while grew:
        grew = False
        for cls in classes:
            if cls.name not in descendants and any(au.last(au.dotted(b)) in descendants for b in cls.bases):
                descendants.add(cls.name)
                grew = True
    for cls in classes:
        if cls.name in descendants and cls is not owner and not DEV_CLASS.search(cls.name) and _sets_false(cls, key):
            return cls.name
    return ""


def _replaces(value: ast.expr) -> bool:
    """A value read at run time (``os.getenv(...)``, an expression) or ``False``: not another literal default."""
    return not isinstance(value, ast.Constant) or value.value is False


def replaced_in_branch(tree: ast.Module, node: ast.AST, key: str) -> str:
    """The test of a later top-level ``if`` that assigns ``key`` again (``if ENVIRONMENT == 'production':
    DEBUG = False; SECRET_KEY = os.getenv('SECRET_KEY')``) when ``node`` is a top-level ``key = <literal>``, or
    ``""``: the literal is one environment's default, which the branch chosen from the configuration replaces. A
    branch the module's own literal constants never take replaces nothing."""
    if node not in tree.body:
        return ""
    line = getattr(node, "lineno", 0)
    dead: set[int] | None = None
    for stmt in tree.body:
        if not (isinstance(stmt, ast.If) and stmt.lineno > line):
            continue
        replacing = [s for branch in (stmt.body, stmt.orelse)
                     for s in ast.walk(ast.Module(body=branch, type_ignores=[]))
                     if isinstance(s, ast.Assign) and key in au.target_names(s) and _replaces(s.value)]
        if not replacing:
            continue
        dead = dead_lines(tree) if dead is None else dead
        if all(s.lineno in dead for s in replacing):
            continue  # ``FIX_SECRET = False`` … ``if FIX_SECRET: SECRET_KEY = getenv(…)``: never replaced
        return ast.unparse(stmt.test)[:60]
    return ""


def refused_by_validator(tree: ast.Module, node: ast.AST, key: str, literal: str) -> bool:
    """``node`` is a field of a settings class (``secret_key: str = "change-me"``) whose own validator raises on
    that default: it names the literal (``if self.secret_key in {"change-me", ""}: raise``) or demands more
    characters than it has (``len(self.secret_key) < 32``). The literal is a marker the application refuses to
    start with, not a key it would sign with."""
    owner = next((c for c in au.nodes_of(tree, ast.ClassDef) if node in c.body), None)
    if owner is None:
        return False
    for method in owner.body:
        if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) or not any(
                isinstance(n, ast.Raise) for n in au.walk(method)) or not _about(method, key):
            continue
        for n in au.walk(method):
            if isinstance(n, ast.Constant) and n.value == literal:
                return True
            if isinstance(n, ast.Compare) and _demands_more(n, len(literal)):
                return True
    return False


def _demands_more(compare: ast.Compare, length: int) -> bool:
    """``len(x) < 32`` with more than ``length`` characters demanded."""
    return isinstance(compare.left, ast.Call) and au.last(au.dotted(compare.left.func)) == "len" and any(
        isinstance(c, ast.Constant) and isinstance(c.value, int) and c.value > length for c in compare.comparators)


def _about(method: ast.FunctionDef | ast.AsyncFunctionDef, key: str) -> bool:
    """The validator reads ``key`` (``self.secret_key``, ``values["secret_key"]``) or is declared for it
    (``@field_validator("secret_key")``)."""
    return any((isinstance(n, ast.Attribute) and n.attr == key) or (isinstance(n, ast.Constant) and n.value == key)
               for part in (*method.decorator_list, *method.body) for n in au.walk(part))


__all__ = ["DEV_CLASS", "dev_branch_lines", "in_dev_branch", "is_dev_class", "overridden_off", "refused_by_validator",
           "replaced_in_branch"]
