"""Flask model: routes, blueprints and ``url_prefix``, ``add_url_rule``, ``MethodView`` (and flask-restx /
flask-restful resources, routed by decorator or ``add_resource``, namespaces added with ``add_namespace``) with
``decorators``, ``before_request`` hooks, app factories, and extensions bound with
``Ext(app)`` or ``ext.init_app(app)`` (Limiter, Talisman, CSRFProtect, apishield's ``Shield``)."""

from __future__ import annotations

import ast
from dataclasses import replace

from apishield.audit import astutil as au
from apishield.audit.frameworks.common import (
    EXTENSIONS,
    refusing_helper,
    rejects_unauthenticated,
    roles_from_decorators,
)
from apishield.audit.frameworks.scan import ROUTE_ATTRS, Scan
from apishield.audit.model import AUTH, Link, Owner, RawRoute

FRAMEWORK = "flask"
_VIEW_BASES = {"MethodView", "View", "Resource", "HTTPMethodView"}
_HTTP = ("get", "post", "put", "patch", "delete", "head", "options")


def _path_or_unknown(path: str | None) -> str:
    """The literal path (``""`` is a real path: the owner's prefix itself), or ``?`` when it is computed."""
    return "?" if path is None else path


def analyse(scan: Scan) -> None:
    facts = scan.facts
    ext_vars: dict[str, tuple[set[str], str]] = {}
    owners: dict[str, Owner] = {}
    for node in au.nodes_of_any(scan.tree, ast.Assign, ast.Expr):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            _assigned_call(scan, node, owners, ext_vars)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            _bare_call(scan, node.value, owners, ext_vars)
    for node in au.nodes_of_any(scan.tree, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _function(scan, node, owners)
        elif isinstance(node, ast.ClassDef):
            _class_routes(scan, node)
    for call in au.calls(scan.tree):
        if isinstance(call.func, ast.Attribute) and call.func.attr == "add_url_rule":
            _add_url_rule(scan, call)
        elif isinstance(call.func, ast.Attribute) and call.func.attr == "add_resource" and call.args:
            _add_resource(scan, call)
    facts.owners.extend(owners.values())
    flags = facts.flags
    if classes := _view_classes(scan):
        flags.setdefault("view_classes", {}).update(classes)
    flags.setdefault("ext_vars", {}).update({k: (sorted(v[0]), v[1]) for k, v in ext_vars.items()})


def _owner(scan: Scan, owners: dict[str, Owner], name: str, line: int, kind: str = "app") -> Owner:
    if name not in owners:
        owners[name] = Owner(FRAMEWORK, name, kind, line, path=scan.path)
    return owners[name]


def _assigned_call(
    scan: Scan, node: ast.Assign, owners: dict[str, Owner], ext_vars: dict[str, tuple[set[str], str]]
) -> None:
    call = node.value
    assert isinstance(call, ast.Call)
    name = scan.q(call.func)
    tail = au.last(name)
    for target in au.target_names(node):
        var = au.last(target)
        if tail == "Flask" and ("flask" in name or "flask" in scan.facts.frameworks):
            _owner(scan, owners, var, node.lineno, "app")
        elif tail in {"Blueprint", "Namespace", "Api"} and scan.facts.frameworks & {"flask"} and (
                tail != "Api" or not _binds_app(call, owners)):
            owner = _owner(scan, owners, var, node.lineno, "blueprint")
            owner.prefix = scan.text(au.kwarg(call, "url_prefix") or au.kwarg(call, "path")
                                        or au.kwarg(call, "prefix")) or ""
        elif tail in EXTENSIONS:
            kinds, required = EXTENSIONS[tail]
            if required and not any(au.kwarg(call, k) is not None for k in required):
                kinds = set()
            ext_vars[var] = (kinds, tail)
    if tail in EXTENSIONS:
        _bind_extension(scan, call, owners, ext_vars, tail)


def _binds_app(call: ast.Call, owners: dict[str, Owner]) -> bool:
    """``Api(app)`` / ``Api(app=app)``: built on the app itself (its routes are the app's, as before)."""
    first = au.arg(call, 0, "app")
    return isinstance(first, ast.Name) and (first.id in owners or first.id == "app")


def _bind_extension(
    scan: Scan, call: ast.Call, owners: dict[str, Owner], ext_vars: dict[str, tuple[set[str], str]], tail: str
) -> None:
    kinds, required = EXTENSIONS[tail]
    if required and not any(au.kwarg(call, k) is not None for k in required):
        return
    app = au.kwarg(call, "app")
    if app is None:
        app = next(
            (
                a
                for a in call.args
                if (isinstance(a, ast.Name) and a.id in owners) or (isinstance(a, ast.Name) and a.id == "app")
            ),
            None,
        )
    if app is not None and au.dotted(app):
        owner = _owner(scan, owners, au.last(au.dotted(app)), call.lineno)
        for kind in kinds:
            owner.protections.setdefault(kind, tail)


def _bare_call(scan: Scan, call: ast.Call, owners: dict[str, Owner], ext_vars: dict[str, tuple[set[str], str]]) -> None:
    if not isinstance(call.func, ast.Attribute):
        tail = au.last(scan.q(call.func))
        if tail in EXTENSIONS:
            _bind_extension(scan, call, owners, ext_vars, tail)
        return
    attr = call.func.attr
    base = au.dotted(call.func.value)
    if attr == "init_app" and call.args:
        target = au.last(au.dotted(call.args[0]))
        if base in ext_vars and target:
            owner = _owner(scan, owners, target, call.lineno)
            for kind in ext_vars[base][0]:
                owner.protections.setdefault(kind, ext_vars[base][1])
        elif target:
            scan.facts.flags.setdefault("init_app", []).append((base, target, call.lineno))
            # a flask-restx ``Api`` made without the app and bound later: its namespaces are the app's routes
            scan.facts.links.append(Link(child=scan.q(call.func.value), parent=target, path=scan.path,
                                              line=call.lineno))
    elif attr in {"register_blueprint", "add_namespace"} and call.args:
        # flask-restx ``api.add_namespace(ns, path='/users')``: the namespace's own path unless one is given here
        given = scan.text(au.kwarg(call, "url_prefix") or au.kwarg(call, "path"))
        scan.facts.links.append(Link(child=scan.q(call.args[0]), parent=au.last(base), prefix=given or "",
                                     path=scan.path, line=call.lineno))
    elif attr in {"before_request", "before_app_request", "after_request", "after_app_request",
                  "url_value_preprocessor", "app_url_value_preprocessor"} and call.args:
        hook = au.dotted(call.args[0])
        if attr.endswith(("app_request", "app_url_value_preprocessor")):
            scan.facts.flags.setdefault("global_hooks", []).append((FRAMEWORK, hook))
        else:
            _owner(scan, owners, au.last(base), call.lineno).hooks.append(hook)
    elif attr == "limit" and base and call.args and isinstance(call.args[-1], ast.Name):
        pass


def _route_decorator(scan: Scan, dec: ast.expr) -> tuple[str, str, tuple[str, ...]] | None:
    """(owner, path, methods) when ``dec`` is ``@owner.route(path, methods=...)`` / ``@owner.get(path)``."""
    if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)):
        return None
    attr = dec.func.attr
    if attr not in ROUTE_ATTRS or attr in {"api_route", "websocket"}:
        return None
    owner = au.dotted(dec.func.value)
    if not owner or owner.startswith(("self.", "cls.")):
        return None
    path = _path_or_unknown(scan.text(au.arg(dec, 0, "rule")))
    if not dec.args and au.kwarg(dec, "rule") is None:
        return None
    if attr == "route":
        methods = au.const(au.kwarg(dec, "methods"), None)
        meths = tuple(str(m).upper() for m in methods) if isinstance(methods, (list, tuple, set)) else ("GET",)
    else:
        meths = (attr.upper(),)
    # ``settings.app.route``: keep the module the owner lives in (the inventory resolves dotted owners)
    return owner if owner.count(".") == 1 and owner.split(".")[0] in scan.imports else au.last(owner), path, meths


def _value_hook(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """A URL value preprocessor as a hook: ``name?a|b`` when it reads URL values ``a`` and ``b`` from its
    ``values`` argument (it can only act on routes whose path has one of them), else its name."""
    params = [a.arg for a in fn.args.args]
    if len(params) < 2:
        return fn.name
    read = {au.str_const(n.args[0]) if isinstance(n, ast.Call) else au.str_const(n.slice)
            for n in au.nodes_of_any(fn, ast.Call, ast.Subscript)
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in {"pop", "get"}
                and au.dotted(n.func.value) == params[1] and n.args)
            or (isinstance(n, ast.Subscript) and au.dotted(n.value) == params[1])}
    names = sorted(r for r in read if r)
    return f"{fn.name}?{'|'.join(names)}" if names else fn.name


def _enclosing_params(scan: Scan, fn: ast.AST) -> set[str]:
    """Parameter names of the functions ``fn`` is nested in (an installer's ``def install(app):``)."""
    parents, names = au.parent_map(scan.tree), set()
    node = parents.get(id(fn))
    while node is not None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names |= {a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]}
        node = parents.get(id(node))
    return names


def _function(scan: Scan, fn: ast.FunctionDef | ast.AsyncFunctionDef, owners: dict[str, Owner]) -> None:
    for dec in fn.decorator_list:
        target = au.dotted(dec)
        if isinstance(dec, (ast.Attribute, ast.Name)) and target:
            attr = au.last(target)
            base = target.rsplit(".", 1)[0] if "." in target else ""
            # a URL value preprocessor runs before each view of its blueprint too (it may turn the caller away)
            if attr in {"before_request", "after_request", "url_value_preprocessor"} and base:
                # the hook's other decorators wrap it, so they run before every request too (``@auth.login_required``)
                wrappers = [scan.q(d) for d in fn.decorator_list if d is not dec and scan.q(d)] \
                    if attr != "after_request" else []
                imported = scan.imports.get(base, "") if "." not in base else ""
                kind = "import" if imported else "param" if base in _enclosing_params(scan, fn) else "app"
                hooked = _owner(scan, owners, au.last(base), fn.lineno, kind)
                hooked.ref = hooked.ref or imported
                hooked.hooks.extend([_value_hook(fn) if attr == "url_value_preprocessor" else fn.name, *wrappers])
            elif attr in {"before_app_request", "after_app_request", "app_url_value_preprocessor"}:
                scan.facts.flags.setdefault("global_hooks", []).append((FRAMEWORK, fn.name))
    parsed = [(_route_decorator(scan, d), d) for d in fn.decorator_list]  # each decorator read once
    routes = [r for r, _ in parsed if r is not None]
    if not routes:
        return
    first_route_dec = next(d for r, d in parsed if r is not None)
    decorators = [scan.q(d) for r, d in parsed if r is None]
    roles = roles_from_decorators(fn.decorator_list, scan.imports)
    for owner, path, methods in routes:
        route = RawRoute(
            framework=FRAMEWORK,
            methods=methods,
            path=path,
            handler=fn.name,
            line=first_route_dec.lineno,
            owner=owner,
            decorators=decorators,
            handler_line=fn.lineno,
            roles=roles,
            uses_session=scan.uses_session(fn),
            reads_form=scan.reads_form(fn),
            fields=scan.request_fields(fn),
        )
        if rejects_unauthenticated(fn, scan.imports):
            route.protections[AUTH] = f"checked in {fn.name}()"
        elif helper := refusing_helper(fn, scan.funcs, scan.imports):
            route.protections[AUTH] = f"checked in {helper}(), called first by {fn.name}()"
        elif served_only_in_tests(fn):
            route.protections[AUTH] = "answers 404 unless the app is testing"
        scan.facts.routes.append(route)


def _is_testing_flag(node: ast.expr) -> bool:
    """``current_app.testing`` / ``app.config['TESTING']`` / ``app.config.get('TESTING')``."""
    if isinstance(node, ast.Attribute):
        return node.attr == "testing"
    if isinstance(node, ast.Subscript):
        return bool(au.const(node.slice) == "TESTING")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
        return bool(au.const(node.args[0]) == "TESTING")
    return False


def served_only_in_tests(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Does the handler open with ``if not app.testing: abort(404)``? Such a route (a test-only ``/shutdown``)
    does not exist for the callers of the deployed app."""
    for stmt in fn.body[:3]:
        if not (isinstance(stmt, ast.If) and isinstance(stmt.test, ast.UnaryOp) and isinstance(stmt.test.op, ast.Not)
                and _is_testing_flag(stmt.test.operand) and len(stmt.body) == 1):
            continue
        only = stmt.body[0]
        call = only.value if isinstance(only, (ast.Expr, ast.Return)) else only.exc if isinstance(only, ast.Raise) \
            else None
        if isinstance(call, ast.Call) and (
                (au.last(au.dotted(call.func)) == "abort" and call.args and au.const(call.args[0]) == 404)
                or au.last(au.dotted(call.func)) == "NotFound"):
            return True
    return False


def _decorator_names(scan: Scan, value: ast.AST | None) -> list[str]:
    if isinstance(value, (ast.List, ast.Tuple)):
        return [scan.q(e) for e in value.elts if scan.q(e)]
    return []


def view_class_info(
    scan: Scan, cls: ast.ClassDef
) -> tuple[list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]], list[str]]:
    methods = [
        (node.name.upper(), node)
        for node in cls.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in _HTTP
    ]
    class_decorators: list[str] = []
    for node in cls.body:
        if isinstance(node, ast.Assign) and any(
            au.dotted(t) in {"decorators", "method_decorators"} for t in node.targets
        ):
            class_decorators.extend(_decorator_names(scan, node.value))
    # decorators on the class itself (``@auth.login_required`` above ``class X(Resource)``) wrap every method
    class_decorators.extend(scan.q(d) for d in cls.decorator_list if _route_decorator(scan, d) is None)
    return methods, class_decorators


def _class_routes(scan: Scan, cls: ast.ClassDef) -> None:
    """flask-restx / flask-restful / flask-smorest: ``@ns.route('/x') class X(Resource)``."""
    for dec in cls.decorator_list:
        found = _route_decorator(scan, dec)
        if found is None:
            continue
        owner, path, _ = found
        methods, class_decorators = view_class_info(scan, cls)
        for method, fn in methods:
            route = RawRoute(
                framework=FRAMEWORK,
                methods=(method,),
                path=path,
                handler=f"{cls.name}.{fn.name}",
                line=dec.lineno,
                owner=owner,
                decorators=class_decorators + [scan.q(d) for d in fn.decorator_list],
                handler_line=fn.lineno,
                uses_session=scan.uses_session(fn),
                reads_form=scan.reads_form(fn),
                fields=scan.request_fields(fn),
            )
            if rejects_unauthenticated(fn, scan.imports):
                route.protections[AUTH] = f"checked in {cls.name}.{fn.name}()"
            scan.facts.routes.append(route)


def _add_resource(scan: Scan, call: ast.Call) -> None:
    """flask-restx / flask-restful ``ns.add_resource(Users, '/users', '/users/<int:id>')``: every HTTP method of the
    resource class, at each path. A class another module defines (the usual layout: resources in their modules, an
    app factory registering them) becomes a placeholder the project-wide inventory fills from that module's
    ``view_classes``."""
    assert isinstance(call.func, ast.Attribute)
    name = au.last(au.dotted(call.args[0]))
    cls = scan.classes.get(name)
    owner = au.last(au.dotted(call.func.value))
    for path_node in call.args[1:]:
        path = _path_or_unknown(scan.text(path_node))
        if cls is None:
            if name:
                scan.facts.routes.append(RawRoute(FRAMEWORK, ("GET",), path, name, call.lineno, owner,
                                                  registered=True, view_class=name))
            continue
        scan.facts.routes += _resource_routes(scan, cls, path, owner, call.lineno)


def _resource_routes(scan: Scan, cls: ast.ClassDef, path: str, owner: str, line: int) -> list[RawRoute]:
    """A resource class's routes at ``path``: one per HTTP method it defines."""
    methods, class_decorators = view_class_info(scan, cls)
    routes = []
    for method, fn in methods:
        route = RawRoute(FRAMEWORK, (method,), path, f"{cls.name}.{fn.name}", line, owner,
                         decorators=class_decorators + [scan.q(d) for d in fn.decorator_list],
                         handler_line=fn.lineno, registered=True, uses_session=scan.uses_session(fn),
                         reads_form=scan.reads_form(fn), fields=scan.request_fields(fn))
        if rejects_unauthenticated(fn, scan.imports):
            route.protections[AUTH] = f"checked in {cls.name}.{fn.name}()"
        routes.append(route)
    return routes


def _view_classes(scan: Scan) -> dict[str, list[RawRoute]]:
    """This module's resource and method-view classes that no decorator routes, as routes without a path: what an
    ``add_resource`` in another module registers."""
    out: dict[str, list[RawRoute]] = {}
    for cls in au.nodes_of(scan.tree, ast.ClassDef):
        if not isinstance(cls, ast.ClassDef) or not any(au.last(au.dotted(b)) in _VIEW_BASES for b in cls.bases):
            continue
        if any(_route_decorator(scan, d) is not None for d in cls.decorator_list):
            continue
        routes = [replace(r, handler_file=scan.path) for r in _resource_routes(scan, cls, "", "", cls.lineno)]
        if routes:
            out[cls.name] = routes
    return out


def _add_url_rule(scan: Scan, call: ast.Call) -> None:
    assert isinstance(call.func, ast.Attribute)
    owner = au.last(au.dotted(call.func.value))
    path = _path_or_unknown(scan.text(au.arg(call, 0, "rule")))
    view = au.arg(call, 2, "view_func")
    methods_value = au.const(au.kwarg(call, "methods"), None)
    explicit = tuple(str(m).upper() for m in methods_value) if isinstance(methods_value, (list, tuple)) else ()
    wrappers: list[str] = []
    while isinstance(view, ast.Call) and not (isinstance(view.func, ast.Attribute) and view.func.attr == "as_view"):
        wrappers.append(scan.q(view.func))
        view = view.args[0] if view.args else None
    if isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute):
        cls_name = au.last(au.dotted(view.func.value))
        cls = scan.classes.get(cls_name)
        if cls is None:
            scan.facts.routes.append(
                RawRoute(FRAMEWORK, explicit or ("GET",), path, cls_name, call.lineno, owner, decorators=wrappers,
                         registered=True)
            )
            return
        methods, class_decorators = view_class_info(scan, cls)
        for method, fn in methods or [("GET", None)]:  # type: ignore[list-item]
            if explicit and method not in explicit:
                continue
            route = RawRoute(
                FRAMEWORK,
                (method,),
                path,
                f"{cls_name}.{method.lower()}",
                call.lineno,
                owner,
                decorators=wrappers + class_decorators + ([scan.q(d) for d in fn.decorator_list] if fn else []),
                handler_line=fn.lineno if fn else cls.lineno,
                registered=True,
            )
            if fn is not None:
                scan.read_handler(route, fn, f"{cls_name}.{fn.name}", helpers=False)
            scan.facts.routes.append(route)
        return
    name = au.dotted(view)
    target = scan.funcs.get(au.last(name)) if name else None
    route = RawRoute(FRAMEWORK, explicit or ("GET",), path, name or "?", call.lineno, owner, decorators=wrappers,
                     registered=True)
    if target is not None:
        route.decorators += [scan.q(d) for d in target.decorator_list]
        scan.read_handler(route, target, target.name)
    scan.facts.routes.append(route)


__all__ = ["EXTENSIONS", "FRAMEWORK", "analyse", "view_class_info"]
