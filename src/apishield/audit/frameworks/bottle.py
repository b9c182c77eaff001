"""Bottle model: ``@app.route``/``@get``… (default app or ``Bottle()`` instances), ``callback=`` routes,
``apply``/``skip`` per route, ``app.install(plugin)``, ``before_request``/``after_request`` hooks, ``mount``,
``@auth_basic`` and apishield's plugin (``app.install(Shield(...))`` with ``apishield={"public": True}``)."""

from __future__ import annotations

import ast

from apishield.audit import astutil as au
from apishield.audit.frameworks.common import (
    classify_name,
    refusing_helper,
    rejects_unauthenticated,
    roles_from_decorators,
    sets_security_headers,
)
from apishield.audit.frameworks.role_checks import checks_roles
from apishield.audit.frameworks.scan import Scan
from apishield.audit.model import AUTH, HEADERS, RATE, Link, Owner, RawRoute

FRAMEWORK = "bottle"
DEFAULT_APP = ""
_VERBS = {"route", "get", "post", "put", "delete", "patch"}


def analyse(scan: Scan) -> None:
    owners: dict[str, Owner] = {}
    plugin_vars: dict[str, str] = {}
    for node in au.nodes_of_any(scan.tree, ast.Assign):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            name = scan.q(node.value.func)
            tail = au.last(name)
            for target in au.target_names(node):
                if tail in {"Bottle", "default_app", "app"} and name.startswith("bottle"):
                    owners.setdefault(
                        au.last(target), Owner(FRAMEWORK, au.last(target), "app", node.lineno, path=scan.path)
                    )
                else:
                    plugin_vars[au.last(target)] = name
    for call in au.calls(scan.tree):
        _call(scan, call, owners, plugin_vars)
    for fn in au.functions(scan.tree):
        _function(scan, fn, owners)
    scan.facts.owners.extend(owners.values())


def _owner(scan: Scan, owners: dict[str, Owner], name: str, line: int) -> Owner:
    if name not in owners:
        owners[name] = Owner(FRAMEWORK, name, "app", line, path=scan.path)
    return owners[name]


def _base_of(scan: Scan, func: ast.expr) -> tuple[str, str] | None:
    """(owner, verb) for ``app.get`` / ``bottle.get`` / ``get`` (imported from bottle)."""
    if isinstance(func, ast.Attribute):
        base = au.dotted(func.value)
        if scan.imports.get(base.split(".")[0], "") == "bottle" and base.split(".")[0] == base:
            return DEFAULT_APP, func.attr
        return au.last(base), func.attr
    if isinstance(func, ast.Name) and scan.imports.get(func.id, "").startswith("bottle."):
        return DEFAULT_APP, au.last(scan.imports[func.id])
    return None


def _is_route_decorator(scan: Scan, dec: ast.expr) -> bool:
    found = _base_of(scan, dec.func if isinstance(dec, ast.Call) else dec)
    return found is not None and found[1] in _VERBS | {"hook"}


def _plugin_kinds(scan: Scan, expr: ast.AST, plugin_vars: dict[str, str]) -> tuple[set[str], str]:
    name = scan.q(expr.func) if isinstance(expr, ast.Call) else plugin_vars.get(au.dotted(expr), au.dotted(expr))
    kinds = {k for k in classify_name(name) if k in (AUTH, RATE, HEADERS, "csrf")}
    cls = scan.classes.get(au.last(name))
    if cls is not None:
        if rejects_unauthenticated(cls, scan.imports):
            kinds.add(AUTH)
        if sets_security_headers(cls):
            kinds.add(HEADERS)
    return kinds, au.last(name) or "plugin"


def _call(scan: Scan, call: ast.Call, owners: dict[str, Owner], plugin_vars: dict[str, str]) -> None:
    if isinstance(call.func, ast.Call) and call.args:
        # ``app.hook('before_request')(check)``: the decorator applied by a call
        inner = _base_of(scan, call.func.func)
        if inner is not None and inner[1] == "hook":
            _owner(scan, owners, inner[0], call.lineno).hooks.append(au.dotted(call.args[0]))
        return
    found = _base_of(scan, call.func)
    if found is None:
        return
    owner_name, attr = found
    if attr == "install" and call.args:
        owner = _owner(scan, owners, owner_name, call.lineno)
        kinds, how = _plugin_kinds(scan, call.args[0], plugin_vars)
        for kind in kinds:
            owner.protections.setdefault(kind, how)
        if isinstance(call.args[0], ast.Name) and call.args[0].id in scan.funcs:
            owner.hooks.append(call.args[0].id)
    elif attr == "add_hook" and len(call.args) >= 2:
        _owner(scan, owners, owner_name, call.lineno).hooks.append(au.dotted(call.args[1]))
    elif attr == "mount" and len(call.args) >= 2:
        scan.facts.links.append(
            Link(child=scan.q(call.args[1]), parent=owner_name, prefix=au.str_const(call.args[0]) or "", path=scan.path,
                 line=call.lineno)
        )
    elif attr in _VERBS and au.kwarg(call, "callback") is not None:
        callback = au.dotted(au.kwarg(call, "callback"))
        fn = scan.funcs.get(au.last(callback))
        _add_route(scan, call, owner_name, attr, fn, callback, call.lineno)


def _function(scan: Scan, fn: ast.FunctionDef | ast.AsyncFunctionDef, owners: dict[str, Owner]) -> None:
    for dec in fn.decorator_list:
        if not isinstance(dec, ast.Call):
            continue
        found = _base_of(scan, dec.func)
        if found is None:
            continue
        owner_name, attr = found
        if attr == "hook":
            _owner(scan, owners, owner_name, dec.lineno).hooks.append(fn.name)
        elif attr in _VERBS:
            if owner_name and owner_name not in owners and scan.facts.frameworks != {FRAMEWORK}:
                continue
            _add_route(scan, dec, owner_name, attr, fn, fn.name, dec.lineno)


def _add_route(
    scan: Scan,
    call: ast.Call,
    owner: str,
    verb: str,
    fn: ast.FunctionDef | ast.AsyncFunctionDef | None,
    handler: str,
    line: int,
) -> None:
    path = au.str_const(au.arg(call, 0, "path"))
    if path is None:
        path = "?" if call.args else f"/{handler}"
    if verb == "route":
        method = au.const(au.arg(call, 1, "method"), "GET")
        methods = tuple(m.upper() for m in method) if isinstance(method, (list, tuple)) else (str(method).upper(),)
    else:
        methods = (verb.upper(),)
    decorators: list[str] = []
    if fn is not None:
        decorators = [scan.q(d) for d in fn.decorator_list if not _is_route_decorator(scan, d)]
    apply = au.kwarg(call, "apply")
    if isinstance(apply, (ast.List, ast.Tuple)):
        decorators += [scan.q(e.func) if isinstance(e, ast.Call) else scan.q(e) for e in apply.elts]
    elif apply is not None:
        decorators.append(scan.q(apply.func) if isinstance(apply, ast.Call) else scan.q(apply))
    route = RawRoute(
        FRAMEWORK, methods, path, handler, line, owner, decorators=decorators, handler_line=fn.lineno if fn else line
    )
    skip = au.kwarg(call, "skip")
    if skip is not None:
        skipped = au.const(skip, None)
        if skipped is True:
            route.dependencies.append("skip:*")
        elif isinstance(skip, (ast.List, ast.Tuple)):
            route.dependencies += [f"skip:{au.last(au.dotted(e) or str(au.const(e, '')))}" for e in skip.elts]
    config = au.kwarg(call, "apishield")
    if config is not None and au.const(config, {}).get("public") is True:
        route.public = "apishield public=True"
    if fn is not None:
        route.uses_session = scan.uses_session(fn)
        route.reads_form = scan.reads_form(fn)
        route.fields = scan.request_fields(fn)
        if rejects_unauthenticated(fn, scan.imports):
            route.protections[AUTH] = f"checked in {fn.name}()"
        elif helper := refusing_helper(fn, scan.funcs, scan.imports):
            route.protections[AUTH] = f"checked in {helper}(), called first by {fn.name}()"
        if checks_roles(fn) and AUTH in route.protections:
            route.roles = f"checked in {fn.name}()"
        route.roles = roles_from_decorators(fn.decorator_list, scan.imports) or route.roles
    scan.facts.routes.append(route)


__all__ = ["DEFAULT_APP", "FRAMEWORK", "analyse"]
