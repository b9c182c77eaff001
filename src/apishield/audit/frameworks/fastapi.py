"""FastAPI / Starlette model: ``FastAPI(dependencies=...)``, ``APIRouter(prefix=, dependencies=)``, route
decorators with ``dependencies=[Depends(...)]``, handler parameters ``Depends``/``Security``/``Annotated``,
``include_router(prefix=, dependencies=)``, ``add_api_route``, Starlette ``Route(...)``, and middleware
(``add_middleware``, ``@app.middleware("http")``, ``Middleware(...)``).

Django Ninja has the same shape and is read by the same model: ``NinjaAPI(auth=...)`` and ``Router(auth=...)``
owners, ``auth=`` on a route decorator (``auth=None`` opts the route out of the API's authentication on purpose),
and ``api.add_router(prefix, router)`` with the router as a variable or a dotted-path string."""

from __future__ import annotations

import ast

from apishield.audit import astutil as au
from apishield.audit.frameworks.common import (
    classify_name,
    rejects_unauthenticated,
    sets_security_headers,
)
from apishield.audit.frameworks.dependencies import depends_targets, fastapi_dependencies
from apishield.audit.frameworks.hook_exemptions import exemptions
from apishield.audit.frameworks.scan import ROUTE_ATTRS, Scan
from apishield.audit.model import (
    AUTH,
    CSRF,
    HEADERS,
    MIDDLEWARE_HOOK,
    RATE,
    SAMESITE_SESSION,
    Link,
    Owner,
    RawRoute,
)

FRAMEWORK = "fastapi"
_MIDDLEWARE_KINDS = {
    "SlowAPIMiddleware": {RATE},
    "SlowAPIASGIMiddleware": {RATE},
    "RateLimitMiddleware": {RATE},
    "AuthenticationMiddleware": {AUTH},  # a project's own; Starlette's identifies callers and refuses no one
    "SecurityHeadersMiddleware": {HEADERS},
}


def _path_or_unknown(path: str | None) -> str:
    """The literal path (``""`` is a real path: the owner's prefix itself), or ``?`` when it is computed."""
    return "?" if path is None else path


def analyse(scan: Scan) -> None:
    owners: dict[str, Owner] = {}
    for node in au.nodes_of_any(scan.tree, ast.Assign):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            qualified = scan.q(node.value.func)
            tail = au.last(qualified)
            if tail in {"FastAPI", "APIRouter", "Starlette", "NinjaAPI"} or (
                    tail == "Router" and qualified.startswith("ninja")):
                for target in au.target_names(node):
                    owner = Owner(
                        FRAMEWORK,
                        au.last(target),
                        "router" if tail in {"APIRouter", "Router"} else "app",
                        node.lineno,
                        path=scan.path,
                    )
                    owner.prefix = scan.text(au.kwarg(node.value, "prefix")) or ""
                    owner.dependencies = _deps_kw(scan, node.value)
                    if (auth := _ninja_auth(scan, node.value)) is not None and auth:
                        owner.protections[AUTH] = auth
                    _middleware_list(scan, owner, au.kwarg(node.value, "middleware"))
                    owners[owner.name] = owner
    for call in au.calls(scan.tree):
        _call(scan, call, owners)
    for fn in au.functions(scan.tree):
        _function(scan, fn, owners)
    _endpoint_classes(scan)
    scan.facts.owners.extend(owners.values())


_VERBS = ("get", "post", "put", "patch", "delete")


def _endpoint_classes(scan: Scan) -> None:
    """Starlette class-based endpoints: a class whose methods named for HTTP verbs take the request, deriving from
    ``HTTPEndpoint`` or naming its own ``path`` in a Starlette project (a routing map built at start-up from such
    classes). Each verb method is a route at the ``Route(path, Cls)`` the module registers, else at the class's
    ``path``, else at an unknown path; its decorators (``@requires("authenticated")``) are its protections."""
    if not any(v.split(".", 1)[0] == "starlette" for v in scan.imports.values()):
        return
    registered = {au.dotted(au.arg(c, 1, "endpoint")): scan.text(au.arg(c, 0, "path")) for c in au.calls(scan.tree)
                  if au.last(scan.q(c.func)) == "Route" and au.arg(c, 1, "endpoint") is not None}
    for cls in au.nodes_of(scan.tree, ast.ClassDef):
        if not isinstance(cls, ast.ClassDef):
            continue
        verbs = [m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and m.name in _VERBS
                 and len(m.args.args) >= 2]
        own_path = next((au.str_const(st.value) for st in cls.body if isinstance(st, ast.Assign)
                         and "path" in au.target_names(st) and au.str_const(st.value) is not None), None)
        derives = any(au.last(scan.q(b)) == "HTTPEndpoint" for b in cls.bases)
        if not verbs or not (derives or own_path is not None or cls.name in registered):
            continue
        path = registered.get(cls.name) or own_path or "?"
        for meth in verbs:
            first = min([d.lineno for d in meth.decorator_list] + [meth.lineno])
            route = RawRoute(FRAMEWORK, (meth.name.upper(),), path, f"{cls.name}.{meth.name}", first, "",
                             decorators=[scan.q(d) for d in meth.decorator_list], registered=True)
            scan.read_handler(route, meth, f"{cls.name}.{meth.name}", helpers=False)
            route.roles = _required_scopes(meth.decorator_list, scan)
            scan.facts.routes.append(route)


def _required_scopes(decorators: list[ast.expr], scan: Scan) -> str:
    """Starlette's ``@requires(["authenticated", "admin"])``: the scopes beyond being signed in are roles the route
    requires (``""`` when it asks only for a sign-in, or has no such decorator)."""
    for dec in decorators:
        if isinstance(dec, ast.Call) and au.last(scan.q(dec.func)) == "requires" and dec.args:
            scopes = au.const(dec.args[0], None)
            scopes = [scopes] if isinstance(scopes, str) else scopes if isinstance(scopes, (list, tuple)) else []
            roles = [str(x) for x in scopes if str(x) != "authenticated"]
            if roles:
                return f"@requires({', '.join(roles)})"
    return ""


def _deps_kw(scan: Scan, call: ast.Call) -> list[str]:
    """``dependencies=[Depends(x), checker]``: the targets of the ``Depends`` calls, and the names of the items that
    are variables (``checker = Depends(RoleChecker(["admin"]))`` at module level, resolved project-wide)."""
    value = au.kwarg(call, "dependencies")
    if value is None:
        return []
    if isinstance(value, ast.Name):
        value = _dependency_list(scan, value.id) or value
    names = [scan.q(e) for e in value.elts if isinstance(e, (ast.Name, ast.Attribute))] if isinstance(
        value, (ast.List, ast.Tuple)) else []
    return depends_targets(value, scan.imports) + [n for n in names if n]


def _dependency_list(scan: Scan, name: str) -> ast.List | None:
    """The list a module-level name holds for ``dependencies=name``: a list literal, or what a function of the module
    returns (``router_dependencies = get_router_dependencies()``, which appends ``Depends(JWTBearer())`` when the
    deployment switches authentication on): every dependency it can return, together."""
    values = [st.value for st in scan.tree.body if isinstance(st, ast.Assign)
              and any(isinstance(t, ast.Name) and t.id == name for t in st.targets)]
    if len(values) != 1:
        return None
    value = values[0]
    if isinstance(value, ast.List):
        return value
    fn = scan.funcs.get(value.func.id) if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) else None
    if fn is None:
        return None
    # the ``Depends(...)``/``Security(...)`` the function puts in what it returns (a literal, or ``deps.append``)
    made = [c for c in au.nodes_of(fn, ast.Call) if au.last(au.call_name(c, scan.imports)) in {"Depends", "Security"}]
    return ast.List(elts=list(made), ctx=ast.Load()) if made else None


def _ninja_auth(scan: Scan, call: ast.Call) -> str | None:
    """Django Ninja's ``auth=``: how it authenticates (``"auth=TokenAuth()"``), ``""`` for ``auth=None`` (no
    authentication, on purpose), ``None`` when the call does not say."""
    value = au.kwarg(call, "auth")
    if value is None or not any(v.split(".", 1)[0] == "ninja" for v in scan.imports.values()):
        return None
    if isinstance(value, ast.Constant) and value.value is None:
        return ""
    return f"auth={ast.unparse(value)[:60]}"


#: middleware of the frameworks and of libraries, known by name (the project's own classes are read instead)
_LIBRARY_MIDDLEWARE = ("starlette.", "fastapi.", "slowapi.", "asgi_correlation_id.", "uvicorn.", "brotli_asgi.",
                       "prometheus_fastapi_instrumentator.", "opentelemetry.", "sentry_sdk.", "secure.")


def _add_middleware(scan: Scan, owner: Owner, name: str, call: ast.Call) -> None:
    """The protections middleware ``name`` (added by ``call``) gives every route of ``owner``."""
    tail = au.last(name)
    kinds = {k for k in classify_name(name) if k in (AUTH, RATE, HEADERS, "csrf")}
    kinds |= _MIDDLEWARE_KINDS.get(tail, set())
    if name.startswith("starlette."):
        kinds.discard(AUTH)  # ``request.user`` becomes an anonymous user; ``@requires`` or the handler refuses
    cls = scan.classes.get(tail)
    if cls is not None:
        # a class that lets some paths through unchecked guards only the rest: read per route, as a hook is
        exempting = any(exemptions(m, scan.collections) for m in cls.body
                        if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)))
        if rejects_unauthenticated(cls, scan.imports) and not exempting:
            kinds.add(AUTH)
        if sets_security_headers(cls):
            kinds.add(HEADERS)
    if cls is not None or not name.startswith(_LIBRARY_MIDDLEWARE):
        # the project's own middleware class (here or in another module): read project-wide like a hook, with the
        # paths its ``dispatch`` lets through unchecked (``if any(path.startswith(p) for p in PUBLIC): ...``)
        owner.hooks.append(MIDDLEWARE_HOOK + tail)
    for kind in kinds:
        owner.protections.setdefault(kind, tail)
    if tail == "SessionMiddleware" and str(au.const(au.kwarg(call, "same_site"), "lax")).lower() in {"lax", "strict"}:
        # its cookie is SameSite=Lax by default: browsers leave it off cross-site form posts
        owner.protections.setdefault(CSRF, f"{tail} ({SAMESITE_SESSION})")


def _middleware_list(scan: Scan, owner: Owner, value: ast.AST | None) -> None:
    if isinstance(value, (ast.List, ast.Tuple)):
        for elt in value.elts:
            if isinstance(elt, ast.Call) and elt.args:
                _add_middleware(scan, owner, scan.q(elt.args[0]), elt)


def _is_shield(scan: Scan, var: str) -> bool:
    """Is ``var`` assigned an apishield ``Shield(...)`` in this module?"""
    for node in au.nodes_of_any(scan.tree, ast.Assign):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and var in au.target_names(node):
            name = scan.q(node.value.func)
            return "apishield" in name or au.last(name) == "Shield"
    return False


def _owner(scan: Scan, owners: dict[str, Owner], name: str, line: int) -> Owner:
    if name not in owners:
        owners[name] = Owner(FRAMEWORK, name, "app", line, path=scan.path)
    return owners[name]


def _call(scan: Scan, call: ast.Call, owners: dict[str, Owner]) -> None:
    if not isinstance(call.func, ast.Attribute):
        if au.last(scan.q(call.func)) == "Route" and "fastapi" in scan.facts.frameworks:
            path = _path_or_unknown(scan.text(au.arg(call, 0, "path")))
            endpoint = au.dotted(au.arg(call, 1, "endpoint"))
            if endpoint in scan.classes:
                return  # a class-based endpoint of this module: its verb methods are the routes (below)
            methods = au.const(au.kwarg(call, "methods"), ["GET"])
            _add(scan, "", path, tuple(str(m).upper() for m in methods), endpoint, call.lineno, [], registered=True)
        return
    attr = call.func.attr
    base = au.last(au.dotted(call.func.value))
    if attr == "include_router" and call.args:
        scan.facts.links.append(
            Link(
                child=scan.q(call.args[0]),
                parent=base,
                prefix=scan.text(au.kwarg(call, "prefix")) or "",
                dependencies=_deps_kw(scan, call),
                path=scan.path,
                line=call.lineno,
            )
        )
    elif attr == "add_router" and len(call.args) >= 2:  # Django Ninja: ``api.add_router("/v1", router)``
        child = scan.text(call.args[1]) or scan.q(call.args[1])
        scan.facts.links.append(Link(child=child, parent=base, prefix=scan.text(call.args[0]) or "",
                                     path=scan.path, line=call.lineno))
    elif attr == "add_middleware" and call.args:
        _add_middleware(scan, _owner(scan, owners, base, call.lineno), scan.q(call.args[0]), call)
    elif attr == "init_app" and call.args and _is_shield(scan, base):
        # apishield: shield.init_app(app) installs the deny-by-default middleware
        owner = _owner(scan, owners, au.last(au.dotted(call.args[0])), call.lineno)
        for kind in (AUTH, RATE, HEADERS, CSRF):
            owner.protections.setdefault(kind, "apishield Shield")
    elif attr == "init_app" and call.args and au.dotted(call.args[0]):
        # an extension made in another module (``from .extensions import shield``): bound project-wide
        scan.facts.flags.setdefault("init_app", []).append((base, au.last(au.dotted(call.args[0])), call.lineno))
    elif attr == "add_api_route" and len(call.args) >= 2:
        path = _path_or_unknown(scan.text(call.args[0]))
        methods = au.const(au.kwarg(call, "methods"), ["GET"])
        _add(
            scan,
            base,
            path,
            tuple(str(m).upper() for m in methods),
            au.dotted(call.args[1]),
            call.lineno,
            _deps_kw(scan, call),
            registered=True,
        )
    elif attr == "mount" and len(call.args) >= 2 and base in owners:
        scan.facts.links.append(
            Link(child=scan.q(call.args[1]), parent=base, prefix=scan.text(call.args[0]) or "", path=scan.path,
                 line=call.lineno)
        )


def _add(
    scan: Scan,
    owner: str,
    path: str,
    methods: tuple[str, ...],
    handler: str,
    line: int,
    deps: list[str],
    decorators: list[str] | None = None,
    registered: bool = False,
    public: str = "",
) -> None:
    fn = scan.funcs.get(au.last(handler))
    route = RawRoute(
        FRAMEWORK, methods, path, handler, line, owner, decorators=decorators or [], dependencies=list(deps),
        registered=registered, public=public,
    )
    if fn is not None:
        route.dependencies += fastapi_dependencies(fn.args, scan.imports)
        scan.read_handler(route, fn, fn.name)
        if not decorators:
            route.decorators = [scan.q(d) for d in fn.decorator_list]
    scan.facts.routes.append(route)


def _function(scan: Scan, fn: ast.FunctionDef | ast.AsyncFunctionDef, owners: dict[str, Owner]) -> None:
    others = []
    found: list[tuple[str, str, tuple[str, ...], int, list[str], str, str]] = []
    for dec in fn.decorator_list:
        if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute):
            attr = dec.func.attr
            base = au.last(au.dotted(dec.func.value))
            if attr == "middleware" and base:
                _owner(scan, owners, base, dec.lineno).hooks.append(fn.name)
                continue
            if attr in ROUTE_ATTRS and (dec.args or au.kwarg(dec, "path") is not None) and base:
                path = _path_or_unknown(scan.text(au.arg(dec, 0, "path")))
                if attr in {"api_route", "route"}:
                    methods = au.const(au.kwarg(dec, "methods"), ["GET"])
                    meths = tuple(str(m).upper() for m in methods) if isinstance(methods, list) else ("GET",)
                elif attr == "websocket":
                    meths = ("WEBSOCKET",)
                else:
                    meths = (attr.upper(),)
                tags = au.const(au.kwarg(dec, "tags"), [])
                public = "tagged public" if isinstance(tags, list) and any(
                    str(t).lower() == "public" for t in tags) else ""  # ``tags=["Public"]``: documented as public
                auth = _ninja_auth(scan, dec)
                found.append((base, path, meths, dec.lineno, _deps_kw(scan, dec),
                              public or ("auth=None" if auth == "" else ""), auth or ""))
                continue
        others.append(scan.q(dec))
    for base, path, meths, line, deps, public, auth in found:
        _add(scan, base, path, meths, fn.name, line, deps, others, public=public)
        if auth:
            scan.facts.routes[-1].protections[AUTH] = auth
        scan.facts.routes[-1].roles = scan.facts.routes[-1].roles or _required_scopes(fn.decorator_list, scan)


__all__ = ["FRAMEWORK", "analyse"]
