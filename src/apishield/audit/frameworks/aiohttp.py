"""aiohttp: its decorator routes (``web.RouteTableDef``) are read by the generic decorator-route model; what this
module adds is the application's middlewares, which run before every handler of the app. A middleware that turns
away callers without credentials (by name or by what it does, as Flask's ``before_app_request`` hooks are judged)
guards every route, as an application-wide hook does."""

from __future__ import annotations

import ast

from apishield.audit import astutil as au
from apishield.audit.frameworks.scan import Scan

#: the framework name the generic decorator-route model gives aiohttp's routes
ROUTES_AS = "flask"


def imported(scan: Scan) -> bool:
    """The module uses aiohttp: its handlers answer with response objects (``web.json_response``, ``web.Response``,
    text/plain by default), never a bare string sent as HTML."""
    return any(v == "aiohttp" or v.startswith("aiohttp.") for v in scan.imports.values())


def _listed(value: ast.AST | None, tree: ast.Module, depth: int = 0) -> list[ast.expr]:
    """The items of a middleware list as written: a list or tuple, lists joined with ``+``, and a name the module
    binds to such a list (``middlewares=base + [auth]``)."""
    if isinstance(value, (ast.List, ast.Tuple)):
        return list(value.elts)
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        return _listed(value.left, tree, depth) + _listed(value.right, tree, depth)
    if isinstance(value, ast.Name) and depth < 3:
        return [item for bound in au.assigned_values(value.id, tree) for item in _listed(bound, tree, depth + 1)]
    return []


def middlewares(tree: ast.Module, scan: Scan) -> None:
    """``web.Application(middlewares=[auth, error])`` and ``app.middlewares.append(auth)``: each named middleware
    becomes an application-wide hook."""
    for call in au.nodes_of(tree, ast.Call):
        name = au.qualname(call.func, scan.imports)
        if name in {"aiohttp.web.Application", "aiohttp.web_app.Application"}:
            items = _listed(au.kwarg(call, "middlewares"), tree)
        elif (isinstance(call.func, ast.Attribute) and call.func.attr in {"append", "insert"}
              and au.dotted(call.func.value).endswith(".middlewares") and imported(scan)):
            items = call.args[-1:]
        else:
            continue
        for item in items:
            hook = au.dotted(item)
            if hook:
                scan.facts.flags.setdefault("global_hooks", []).append((ROUTES_AS, hook))


__all__ = ["imported", "middlewares"]
