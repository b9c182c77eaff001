"""Django settings the rules read: a settings module is one that assigns ``INSTALLED_APPS`` or ``MIDDLEWARE``
(``MIDDLEWARE_CLASSES`` before Django 1.10) at top level. Settings written for the test run (a module or folder
named for tests) are skipped: a fast hasher there is the documented way to speed tests up."""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au
from apishield.audit.rules.base import is_test_code
from apishield.audit.rules.registry import ModuleContext

_MARKERS = frozenset({"INSTALLED_APPS", "MIDDLEWARE", "MIDDLEWARE_CLASSES"})
# Django's fast or unsalted hashers (MD5, SHA1, their unsalted variants, crypt(3))
_WEAK_HASHER = re.compile(r"^((Unsalted)?(MD5|SHA1)|Crypt)PasswordHasher$")


def _top_assignments(tree: ast.Module, conditional: bool = False) -> dict[str, ast.Assign]:
    """The last top-level ``NAME = value`` of each name; with ``conditional``, also a name set only inside the
    module's top-level ``if``, ``try`` or ``with`` blocks (``if ADMIN_ENABLED: AUTH_PASSWORD_VALIDATORS = [...]``),
    by its last such assignment: a setting that may be in effect, not one that always is."""
    out: dict[str, ast.Assign] = {}
    nested: dict[str, ast.Assign] = {}
    pending: list[tuple[ast.stmt, bool]] = [(stmt, True) for stmt in tree.body]
    while pending:
        stmt, top = pending.pop(0)
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    (out if top else nested)[target.id] = stmt
        elif conditional and isinstance(stmt, (ast.If, ast.Try, ast.With)):
            inner = [*stmt.body, *getattr(stmt, "orelse", []), *getattr(stmt, "finalbody", []),
                     *(s for h in getattr(stmt, "handlers", []) for s in h.body)]
            pending[:0] = [(s, False) for s in inner]
    return {**nested, **out}


def settings(tree: ast.Module, path: str, *, conditional: bool = False) -> dict[str, ast.Assign]:
    """The top-level assignments of a Django settings module (empty for any other module); ``conditional`` adds
    those made only inside its top-level blocks, for a rule that asks whether a setting is made at all."""
    found = _top_assignments(tree)
    if not (found.keys() & _MARKERS) or is_test_code(path):
        return {}
    return _top_assignments(tree, conditional=True) if conditional else found


def weak_password_hasher(tree: ast.Module, path: str) -> tuple[ast.AST, str] | None:
    """``PASSWORD_HASHERS`` whose first entry (the one that hashes new passwords) is a fast or unsalted hasher.
    Weak hashers listed after a strong first one only verify legacy hashes, which Django upgrades on login."""
    node = settings(tree, path).get("PASSWORD_HASHERS")
    if node is None or not isinstance(node.value, (ast.List, ast.Tuple)) or not node.value.elts:
        return None
    first = au.str_const(node.value.elts[0]) or ""
    hasher = first.rsplit(".", 1)[-1]
    return (node, hasher) if _WEAK_HASHER.match(hasher) else None


def pickle_sessions(tree: ast.Module, path: str) -> tuple[ast.AST, bool] | None:
    """``SESSION_SERIALIZER`` naming Django's ``PickleSerializer``: (the assignment, whether the sessions are
    kept in signed cookies, where the client holds the pickle and only the secret key stands between it and
    code execution)."""
    found = settings(tree, path)
    node = found.get("SESSION_SERIALIZER")
    if node is None or not (au.str_const(node.value) or "").endswith("PickleSerializer"):
        return None
    engine = found.get("SESSION_ENGINE")
    return node, engine is not None and "signed_cookies" in (au.str_const(engine.value) or "")


def installs_drf(tree: ast.Module) -> bool:
    """The settings module lists Django REST framework in ``INSTALLED_APPS``."""
    return any("INSTALLED_APPS" in au.target_names(n) and "rest_framework" in au.strings_in(n.value)
               for n in au.nodes_of(tree, ast.Assign))


def commented_out(ctx: ModuleContext, node: ast.AST, entry: str) -> ast.AST:
    """Where a list setting lost ``entry``: the line of the list that holds it commented out (``# '...entry',``),
    which shows the reader the change that disabled it; else the list itself."""
    first: int = getattr(node, "lineno", 1)
    last: int = getattr(node, "end_lineno", None) or first
    for number in range(first, last + 1):
        text = ctx.lines[number - 1] if number - 1 < len(ctx.lines) else ""
        if "#" in text and entry in text.split("#", 1)[1]:
            return ast.Constant(value=entry, lineno=number, end_lineno=number, col_offset=0)
    return node


__all__ = ["commented_out", "installs_drf", "pickle_sessions", "settings", "weak_password_hasher"]
