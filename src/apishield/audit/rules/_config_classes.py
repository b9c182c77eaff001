"""Configuration classes and files that are not the served configuration (AS301 and the other posture rules).

``Test*``/``Dev*`` classes, functions named for tests and files named for tests or local development describe
the developer's machine. A base class whose ``DEBUG = True`` every production-like subclass switches off
(``class ProductionConfig(DefaultConfig): DEBUG = False``) is the development default of a hierarchy whose served
member is chosen elsewhere (usually from the environment): low, not medium.
"""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au

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


__all__ = ["DEV_CLASS", "is_dev_class", "overridden_off"]
