"""Access-Control headers a handler writes by hand: ``*``, the request's Origin echoed back, and credentials.

Written without a CORS library, ``response.headers['Access-Control-Allow-Origin'] = request.headers['Origin']``
is an allow-list of every site; echoing an origin only after testing it (``if origin in ALLOWED:``) is the
allow-list itself.
"""

from __future__ import annotations

import ast

from apishield.audit import astutil as au

ACAO = "access-control-allow-origin"


def _allow_listed(fn: ast.AST) -> set[int]:
    """Nodes that run only when a test of the Origin passed (``if origin in ALLOWED:``): an echo there is an
    allow-list's answer, not a reflection of any origin."""
    return {id(n) for branch in au.nodes_of(fn, ast.If) if _tests_origin(branch.test)
            for statement in branch.body for n in ast.walk(statement)}


def _tests_origin(test: ast.expr) -> bool:
    """The test compares the Origin with something (``origin in ALLOWED``, ``origin == SITE``,
    ``ALLOWED_RE.match(origin)``, ``is_allowed(origin)``); ``if origin:`` or ``origin is not None`` only asks
    whether one was sent."""
    for node in ast.walk(test):
        if "origin" not in ast.unparse(node).lower():
            continue
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.Eq)) for op in node.ops) and not any(
                isinstance(c, ast.Constant) and c.value in (None, "") for c in node.comparators):
            return True
        if isinstance(node, ast.Call) and au.last(au.dotted(node.func)) not in {"get", "bool", "len", "str"}:
            return True
    return False


def manual_cors(fn: ast.AST) -> tuple[bool, bool, bool]:
    """What the headers ``fn`` writes by hand allow: any origin (``*``), an Origin echoed without an allow-list
    test, and credentials."""
    star = reflected = creds = False
    checked: set[int] | None = None
    for node in au.walk(fn):
        for key, value in header_pairs(node):
            name = (au.str_const(key) or "").lower()
            if name == "access-control-allow-origin":
                if au.str_const(value) == "*":
                    star = True
                elif (
                    value is not None
                    and not isinstance(value, ast.Constant)
                    and (
                        any("origin" in s.lower() for s in au.strings_in(value)) or "origin" in au.dotted(value).lower()
                    )
                ):
                    checked = _allow_listed(fn) if checked is None else checked
                    reflected = reflected or id(node) not in checked
            elif name == "access-control-allow-credentials" and str(au.const(value, "")).lower() == "true":
                creds = True
    return star, reflected, creds


_HEADER_METHODS = frozenset({"add", "set", "setdefault", "append", "add_header"})


def header_pairs(node: ast.AST) -> list[tuple[ast.AST | None, ast.AST | None]]:
    """(name, value) pairs ``node`` sets, if it sets headers: ``headers[k] = v``, ``set_header(k, v)``,
    ``send_header(k, v)``, ``headers.add(k, v)``/``.set``/``.setdefault``, ``(k, v)`` tuples and dict entries."""
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
        return [(node.targets[0].slice, node.value)]
    if isinstance(node, ast.Call) and au.last(au.dotted(node.func)) in {"set_header", "add_header", "__setitem__",
                                                                         "send_header"}:
        return [(au.arg(node, 0), au.arg(node, 1))]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _HEADER_METHODS and (
            au.last(au.dotted(node.func.value)).lower().endswith("headers")):  # Werkzeug's ``headers.add(k, v)``
        return [(au.arg(node, 0), au.arg(node, 1))]
    if isinstance(node, ast.Tuple) and len(node.elts) == 2:
        return [(node.elts[0], node.elts[1])]
    if isinstance(node, ast.Dict):
        return list(zip(node.keys, node.values, strict=False))
    return []


__all__ = ["ACAO", "header_pairs", "manual_cors"]
