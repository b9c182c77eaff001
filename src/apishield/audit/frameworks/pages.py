"""Handlers that serve a fixed page read from disk: public by design, like a fixed template.

``with open('templates/drop.html') as fh: page = fh.read()`` then ``return page.format(title='Drop')`` serves
the same bytes to everyone; nothing of the request, the session or the caller is read, so reporting it as a
route without authentication is noise.
"""

from __future__ import annotations

import ast

#: the calls such a handler may make: open a file, read it, fill it with constants, close it
_FILE_CALLS = frozenset({"open", "read", "format", "close", "replace", "strip", "encode", "decode"})
_STATEMENTS = (ast.With, ast.Assign, ast.Return, ast.Expr)


def serves_fixed_file(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True when ``fn`` takes no parameters, opens files by literal paths only, fills them with constants and
    returns the result; every name it uses is one it assigned, ``open`` or an UPPER_CASE constant."""
    if any(a.arg != "self" for a in [*fn.args.args, *fn.args.kwonlyargs]) or fn.args.vararg or fn.args.kwarg:
        return False
    if not all(isinstance(s, _STATEMENTS) for s in fn.body):  # cheap: most functions branch or loop
        return False
    opened = False
    local: set[str] = set()
    nodes = [node for statement in fn.body for node in ast.walk(statement)]  # the body: not the decorators
    for node in nodes:
        if isinstance(node, ast.stmt) and not isinstance(node, _STATEMENTS):
            return False
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            local.add(node.id)
    for node in nodes:
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name not in _FILE_CALLS:
                return False
            if name == "open":
                if not node.args or not isinstance(node.args[0], ast.Constant):
                    return False
                opened = True
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id not in local and node.id != "open" and not node.id.isupper():
                return False
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            return False  # the handler's object state may hold anything
    return opened


__all__ = ["serves_fixed_file"]
