"""One module prepared for the framework models: imports, functions, classes, and the facts being filled."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from apishield.audit import astutil as au
from apishield.audit.frameworks.common import (
    EXTENSIONS,
    classify_name,
    refusing_helper,
    rejects_unauthenticated,
    role_arguments,
    summarise,
)
from apishield.audit.frameworks.dependencies import SECURITY_SCHEMES, depends_targets, security_scheme_vars
from apishield.audit.frameworks.role_checks import names_role
from apishield.audit.frameworks.table import ROOTS
from apishield.audit.model import AUTH, FuncSummary, ModuleFacts, RawRoute

_SESSION_TAILS = frozenset({"session", "current_user", "get_cookie", "cookies", "cookie"})
ROUTE_ATTRS = {"route", "get", "post", "put", "delete", "patch", "head", "options", "api_route", "websocket"}


@dataclass(slots=True)
class Scan:
    path: str
    tree: ast.Module
    imports: au.Imports
    facts: ModuleFacts
    abspath: str = ""
    funcs: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    schemes: set[str] = field(default_factory=set)
    session_hint: bool = True  # the source mentions a session, a cookie or current_user (else nothing reads one)
    strings: dict[str, str] = field(default_factory=dict)  # module-level string constants (``PREFIX = "/api"``)
    #: module-level literal collections (``PUBLIC_PREFIXES = ("/login", "/health")``), for the tests hooks make
    collections: dict[str, object] = field(default_factory=dict)

    @classmethod
    def build(cls, path: str, tree: ast.Module, abspath: str = "", source: str | None = None) -> Scan:
        imports = au.import_map(tree)
        scan = cls(path=path, tree=tree, imports=imports, facts=ModuleFacts(path=path), abspath=abspath)
        if source is not None:
            folded = source.lower()
            scan.session_hint = any(w in folded for w in ("session", "cookie", "current_user"))
        for node in au.nodes_of_any(tree, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                scan.funcs.setdefault(node.name, node)
            elif isinstance(node, ast.ClassDef):
                scan.classes.setdefault(node.name, node)
        scan.schemes = security_scheme_vars(tree, imports)
        for node in tree.body:  # in order: a constant may be built from earlier ones (``BASE + "/users"``)
            if isinstance(node, ast.Assign) and (value := scan.text(node.value)) is not None:
                scan.strings.update({t.id: value for t in node.targets if isinstance(t, ast.Name)})
            if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Tuple, ast.List, ast.Set)):
                found = au.const(node.value, None)
                scan.collections.update({t.id: found for t in node.targets if isinstance(t, ast.Name) and found})
        # def line -> the plain functions it calls (a handler may call a business function that carries the guard)
        scan.facts.flags["calls_at"] = {
            fn.lineno: sorted({c.func.id for c in au.calls(fn) if isinstance(c.func, ast.Name)})
            for fn in au.nodes_of_any(tree, ast.FunctionDef, ast.AsyncFunctionDef)
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))}
        lines = source.splitlines() if source is not None else None
        for name, fn in scan.funcs.items():
            text = None
            if lines is not None:
                text = "\n".join(lines[fn.lineno - 1 : getattr(fn, "end_lineno", fn.lineno) or fn.lineno])
            scan.facts.functions[name] = summarise(fn, imports, scan.schemes, text, scan.collections)
        for node in tree.body:  # CurrentUser = Annotated[User, Depends(get_current_user)]
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Subscript):
                deps = depends_targets(node.value, imports)
                for target in au.target_names(node):
                    if deps:
                        scan.facts.functions[target] = FuncSummary(target, node.lineno, depends_on=deps)
        scan.callable_dependencies(lines)
        scan.extension_vars()
        for full in imports.values():
            root = full.lstrip(".").split(".")[0]
            if root in ROOTS:
                scan.facts.frameworks.add(ROOTS[root])
            elif root.startswith("flask_"):
                scan.facts.frameworks.add("flask")  # flask_limiter, flask_talisman, flask_wtf, flask_login…
            elif root in {"slowapi", "fastapi_limiter"}:
                scan.facts.frameworks.add("fastapi")
        return scan

    def callable_dependencies(self, lines: list[str] | None) -> None:
        """FastAPI's class-based dependencies: a class with ``__call__`` is summarised under its own name as its
        ``__call__`` (what a ``Depends(RoleChecker(["admin"]))`` instance does when FastAPI calls it), its bases
        counting as dependencies (``class JWTBearer(HTTPBearer)`` inherits the scheme's check, and so does a
        subclass of it without a ``__call__`` of its own); a module-level
        instance (``checker = RoleChecker(["admin"])`` … ``Depends(checker)``) depends on its class, and a
        module-level ``checker = Depends(RoleChecker(["admin"]))`` (``dependencies=[checker]``) on its target."""
        callable_classes: set[str] = set()
        for name, cls in self.classes.items():
            # what FastAPI runs when the class is the dependency: an instance's ``__call__``, else the class's own
            # ``__init__`` (``Depends(User)`` with ``def __init__(self, token=Depends(scheme))``)
            methods = au.functions_by_name(cls.body)
            # a middleware class: what Starlette runs for every request (``BaseHTTPMiddleware.dispatch``)
            call = methods.get("__call__") or methods.get("dispatch") or methods.get("__init__")
            bases = [b for b in (self.q(base) for base in cls.bases) if b and au.last(b) != "object"]
            if (call is None and not bases) or name in self.funcs:
                continue
            summary = FuncSummary(name, cls.lineno)
            if call is not None:
                text = None
                if lines is not None:
                    text = "\n".join(lines[call.lineno - 1 : getattr(call, "end_lineno", call.lineno) or call.lineno])
                summary = summarise(call, self.imports, self.schemes, text, self.collections)
                summary.name, summary.line = name, cls.lineno
            summary.depends_on += bases
            summary.auth_dependency |= any(au.last(b) in SECURITY_SCHEMES for b in bases)
            self.facts.functions[name] = summary
            callable_classes.add(name)
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute) and au.dotted(node.value):
                # an alias of a dependency (``auth_sample = Permissions.sample`` … ``Depends(auth_sample)``)
                for target in au.target_names(node):
                    if target not in self.funcs and target not in self.facts.functions:
                        self.facts.functions[target] = FuncSummary(target, node.lineno,
                                                                   depends_on=[self.q(node.value)])
                continue
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            deps = depends_targets(node.value, self.imports)
            if deps and au.last(self.q(node.value.func)) in {"Depends", "Security"}:
                for target in au.target_names(node):  # checker = Depends(RoleChecker(["admin"]))
                    self.facts.functions.setdefault(target, FuncSummary(target, node.lineno, depends_on=deps))
                continue
            cls_name = self.q(node.value.func)
            if AUTH in classify_name(au.last(cls_name)) and not au.is_true(au.kwarg(node.value, "optional")):
                for target in au.target_names(node):
                    if target not in self.funcs and target not in self.facts.functions:
                        # a dependency an authentication library's factory makes (fastapi-users'
                        # ``current_user(active=True, superuser=True)``): it authenticates, and a flag admitting
                        # only privileged users is a role check
                        self.facts.functions[target] = FuncSummary(
                            target, node.lineno, depends_on=[cls_name],
                            checks_roles=role_arguments(node.value) or _privileged_only(node.value))
                continue
            if au.last(cls_name) in callable_classes or cls_name in self.imports.values():
                for target in au.target_names(node):
                    if target not in self.funcs and target not in self.facts.functions:
                        # an instance given the roles it admits (``AuthenticateWrite(require_scope="admin:token")``)
                        # checks them: the class compares the caller with what it was given
                        self.facts.functions[target] = FuncSummary(target, node.lineno, depends_on=[cls_name],
                                                                   checks_roles=role_arguments(node.value))

    def extension_vars(self) -> None:
        """Module-level extension objects (``shield = Shield()``, ``limiter = Limiter(key_func=...)``), recorded in
        any module: the app factory elsewhere binds them with ``shield.init_app(app)`` (resolved project-wide)."""
        found: dict[str, tuple[list[str], str]] = {}
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                tail = au.last(self.q(node.value.func))
                if tail in EXTENSIONS:
                    kinds, required = EXTENSIONS[tail]
                    if required and not any(au.kwarg(node.value, k) is not None for k in required):
                        kinds = set()
                    found.update({au.last(t): (sorted(kinds), tail) for t in au.target_names(node)})
        if found:
            self.facts.flags.setdefault("ext_vars", {}).update(found)

    def q(self, node: ast.AST | None) -> str:
        return au.qualname(node, self.imports)

    def text(self, node: ast.AST | None) -> str | None:
        """The string ``node`` stands for: a literal, a module-level constant (``prefix=ROUTER_PREFIX``), or a
        concatenation or f-string of those; ``None`` when it is computed at run time."""
        if isinstance(node, ast.Name):
            return self.strings.get(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.text(node.left), self.text(node.right)
            return None if left is None or right is None else left + right
        if isinstance(node, ast.JoinedStr):
            parts = [self.text(v.value if isinstance(v, ast.FormattedValue) and v.conversion == -1
                               and v.format_spec is None else v) for v in node.values]
            return None if any(p is None for p in parts) else "".join(p for p in parts if p is not None)
        return au.str_const(node)

    def uses_session(self, fn: ast.AST, depth: int = 0) -> bool:
        """Does ``fn`` (or a module function it calls, one level deep) read the session or cookies?"""
        if not self.session_hint:
            return False
        for node in au.walk(fn):
            if depth == 0 and isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                callee = self.funcs.get(node.func.id)
                if callee is not None and callee is not fn and self.uses_session(callee, depth + 1):
                    return True
            tail = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
            if tail not in _SESSION_TAILS:
                continue
            name = self.q(node)
            if name and (
                name in {"flask.session", "flask_login.current_user", "bottle.request.get_cookie"}
                or name.endswith(
                    ("request.cookies", "request.cookie", "get_cookie", "cherrypy.session", "request.session",
                     "g.session", "g.current_user")  # Flask ``g``: a session or user a hook loaded from the cookie
                )
            ):
                return True
        return False

    def reads_form(self, fn: ast.AST) -> bool:
        for node in au.walk(fn):
            if (isinstance(node, ast.Attribute) and node.attr in {"form", "forms", "files", "POST"}) and (
                au.last(au.dotted(node.value)) == "request"
            ):
                return True
            if isinstance(node, ast.Call) and au.last(au.dotted(node.func)) == "Form":
                return True
        return False

    def request_fields(self, fn: ast.AST) -> tuple[tuple[str, str], ...]:
        """The named request fields a handler reads (``request.args.get("q")``, ``request.json["title"]``,
        ``data = request.get_json(); data["done"]``), with where they come from: the probe sends them."""
        return request_fields(fn)

    def read_handler(self, route: RawRoute, fn: ast.FunctionDef | ast.AsyncFunctionDef, label: str,
                     helpers: bool = True) -> None:
        """What the handler ``fn`` tells about ``route``: where it is, whether it reads the session, a form and which
        fields, and whether it refuses anonymous callers itself (``label`` names it in that protection) or, with
        ``helpers``, through a project helper it calls first."""
        route.handler_line = fn.lineno
        route.uses_session = self.uses_session(fn)
        route.reads_form = self.reads_form(fn)
        route.fields = self.request_fields(fn)
        if rejects_unauthenticated(fn, self.imports):
            route.protections[AUTH] = f"checked in {label}()"
        elif helpers and (helper := refusing_helper(fn, self.funcs, self.imports)):
            route.protections[AUTH] = f"checked in {helper}(), called first by {fn.name}()"


#: request attributes holding client data, and where the data comes from (Flask, Bottle, Django-like names)
_FIELD_SOURCES = {"json": "body", "get_json": "body", "form": "form", "forms": "form", "POST": "form",
                  "args": "query", "query": "query", "GET": "query", "values": "query", "params": "query"}
_GETTERS = frozenset({"get", "getlist", "getone", "getunicode", "getall"})


def _source(expr: ast.AST, aliases: dict[str, str]) -> str | None:
    """Where ``expr`` (``request.json``, ``request.get_json()``, ``request.get_json() or {}``, an alias) reads."""
    if isinstance(expr, ast.BoolOp) and expr.values:
        expr = expr.values[0]
    if isinstance(expr, ast.Call):
        expr = expr.func
    if isinstance(expr, ast.Attribute) and expr.attr in _FIELD_SOURCES and au.last(au.dotted(expr.value)) == "request":
        return _FIELD_SOURCES[expr.attr]
    if isinstance(expr, ast.Name):
        return aliases.get(expr.id)
    return None


def request_fields(fn: ast.AST) -> tuple[tuple[str, str], ...]:
    """See :meth:`Scan.request_fields`."""
    aliases: dict[str, str] = {}
    for node in au.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            where = _source(node.value, aliases)
            if where is not None:
                aliases[node.targets[0].id] = where
    found: dict[str, str] = {}
    for node in au.walk(fn):
        key: ast.AST | None = None
        holder: ast.AST | None = None
        if isinstance(node, ast.Subscript):
            holder, key = node.value, node.slice
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _GETTERS:
            holder, key = node.func.value, node.args[0] if node.args else None
        if holder is None or not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            continue
        where = _source(holder, aliases)
        if where is not None and key.value and len(found) < 50:
            found.setdefault(key.value, where)
    return tuple(found.items())


def _privileged_only(call: ast.Call) -> bool:
    """``superuser=True``, ``is_staff=True``, ``admin=True``: the factory's user must hold a privilege."""
    return any(k.arg and names_role(k.arg) and au.is_true(k.value) for k in call.keywords)


__all__ = ["ROOTS", "ROUTE_ATTRS", "Scan", "request_fields"]
