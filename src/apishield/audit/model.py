"""What the framework models learn from one module, and the resolved route inventory.

Framework models read one module at a time (in worker processes) and record *raw* facts: routes with the
names of their decorators and dependencies, the apps/blueprints/routers that own them, links between owners
(``register_blueprint``, ``include_router``, ``mount``), app-wide hooks and extensions, and a summary of
every function (does it reject unauthenticated requests? set security headers? check roles?). The
:mod:`apishield.audit.inventory` step joins the facts of all modules, so a decorator or a blueprint defined in
one file and used in another is still understood.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: protection kinds tracked per route
AUTH = "auth"
RATE = "rate"
CSRF = "csrf"
HEADERS = "headers"
#: how a CSRF protection reads when it is only a SameSite session cookie (it stops forged posts, not a forged login)
SAMESITE_SESSION = "SameSite session cookie"
KINDS = (AUTH, RATE, CSRF, HEADERS)
#: the mark of a hook that is a middleware class of the project's own, named by the class (read by its body only)
MIDDLEWARE_HOOK = "middleware:"

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(slots=True)
class FuncSummary:
    """What a function body does, as far as protection goes (filled per module, joined per project)."""

    name: str
    line: int
    rejects_unauth: bool = False  # abort(401/403), raise Unauthorized/HTTPException(401), return ..., 401
    security_headers: bool = False  # sets CSP / HSTS / X-Frame-Options / X-Content-Type-Options
    checks_roles: bool = False  # compares roles / is_admin / permissions
    rate_limits: bool = False  # counts requests (a hand-written limiter)
    checks_csrf: bool = False  # compares a CSRF token
    auth_dependency: bool = False  # FastAPI: depends on a security scheme (OAuth2PasswordBearer, APIKeyHeader…)
    depends_on: list[str] = field(default_factory=list)  # FastAPI Depends(...) targets of its parameters
    decorators: list[str] = field(default_factory=list)  # its own decorators (a wrapped auth decorator)
    static_page: bool = False  # only returns a fixed template/file (``return render_template('signup.html')``)
    computes_only: bool = False  # only computes its answer from its own input (a hash, a random token)
    reads_credentials: bool = True  # reads a body, form, Authorization header or credential-named parameters
    returns: list[tuple[str, bool, str]] = field(default_factory=list)  # a dependency factory's returned names
    flag_defaults: dict[str, bool] = field(default_factory=dict)  # its boolean parameters' defaults
    calls: tuple[str, ...] = ()  # the plain names of the functions it calls (a hook's helpers)
    first_calls: tuple[str, ...] = ()  # those it calls first, before any branch, loop or answer
    exempts: tuple[str, ...] = ()  # endpoints or paths a request hook leaves out (:mod:`.frameworks.hook_exemptions`)


@dataclass(slots=True)
class RawRoute:
    framework: str
    methods: tuple[str, ...]
    path: str
    handler: str
    line: int
    owner: str = ""  # app / blueprint / router variable, CherryPy class name, "" for a module-level default app
    decorators: list[str] = field(default_factory=list)  # names as written: "login_required", "limiter.limit"
    dependencies: list[str] = field(default_factory=list)  # FastAPI Depends(...) targets; CherryPy tool names
    protections: dict[str, str] = field(default_factory=dict)  # kind -> how, decided locally
    public: str = ""  # why the route is marked public explicitly ("shield.public", "security: []")
    roles: str = ""  # how roles are checked, if they are
    csrf_exempt: bool = False
    handler_line: int = 0
    uses_session: bool = False  # reads session / cookies / current_user for identity
    reads_form: bool = False
    fields: tuple[tuple[str, str], ...] = ()  # request fields the handler reads: (name, "query" | "body" | "form")
    registered: bool = False  # declared away from its handler (add_url_rule, add_api_route, an OpenAPI spec)
    view_class: str = ""  # a resource class another module defines (``api.add_resource(Imported, '/x')``)
    handler_file: str = ""  # the module defining the handler, when another module registers it


@dataclass(slots=True)
class Owner:
    """An app, blueprint, router, or mounted CherryPy root: something routes hang from."""

    framework: str
    name: str
    kind: str  # app | blueprint | router | root | import (hooks put on an owner another module defines) | param
    line: int
    path: str = ""  # module path
    prefix: str = ""
    ref: str = ""  # kind "import": the imported name (``from . import api`` -> the qualified ``api``)
    protections: dict[str, str] = field(default_factory=dict)
    hooks: list[str] = field(default_factory=list)  # before/after request functions, middlewares to classify
    dependencies: list[str] = field(default_factory=list)
    decorators: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Link:
    """``parent`` includes ``child`` under ``prefix`` (register_blueprint, include_router, mount)."""

    child: str
    parent: str
    prefix: str = ""
    path: str = ""  # module where the link is made
    dependencies: list[str] = field(default_factory=list)
    protections: dict[str, str] = field(default_factory=dict)
    line: int = 0  # where the link is made
    development: bool = False  # made only in the branch taken for development (``if config['dev']:``)


@dataclass(slots=True)
class ModuleFacts:
    path: str
    frameworks: set[str] = field(default_factory=set)
    routes: list[RawRoute] = field(default_factory=list)
    owners: list[Owner] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    functions: dict[str, FuncSummary] = field(default_factory=dict)
    # framework -> kind -> how (app-wide protections whose owner is not a variable, e.g. CherryPy config "/")
    global_protections: dict[str, dict[str, str]] = field(default_factory=dict)
    # CherryPy: tool name -> kinds it provides (from cherrypy.Tool registrations)
    tools: dict[str, set[str]] = field(default_factory=dict)
    # CherryPy: (section path, tool name) pairs switched on in config dicts
    tool_sections: list[tuple[str, str]] = field(default_factory=list)
    # everything else a rule may want (session use, forms, MAX_CONTENT_LENGTH…)
    flags: dict[str, Any] = field(default_factory=dict)
    abspath: str = ""  # the file on disk (the taint analysis resolves imports and templates next to it)

    def handler_names(self) -> set[str]:
        """Names of the module's route handlers: decorated routes, CherryPy exposed methods and the operations an
        OpenAPI specification beside the module names (connexion)."""
        names = {r.handler.rsplit(".", 1)[-1] for r in self.routes} | set(self.flags.get("spec_handlers", ()))
        for info in self.flags.get("cp_classes", {}).values():
            names.update(m["name"] for m in info["methods"])
        return names

    def add_global(self, framework: str, kind: str, how: str) -> None:
        self.global_protections.setdefault(framework, {}).setdefault(kind, how)


@dataclass(slots=True)
class Route:
    """One resolved route of the inventory (what ``apishield audit --routes`` prints)."""

    framework: str
    methods: tuple[str, ...]
    path: str
    handler: str
    file: str
    line: int
    app: str
    app_line: int
    protections: dict[str, str] = field(default_factory=dict)  # kind -> how ("" = absent)
    public: str = ""  # explicit marker or "by design: <reason>"
    roles: str = ""
    csrf_exempt: bool = False
    uses_session: bool = False
    reads_form: bool = False
    fields: tuple[tuple[str, str], ...] = ()  # request fields the handler reads: (name, "query" | "body" | "form")
    registration: tuple[str, int] | None = None  # (file, line) of the registration when reported at the handler
    development: str = ""  # "registered only ..." when a link on its way to the app is made only for development

    def has(self, kind: str) -> bool:
        return bool(self.protections.get(kind))

    @property
    def state_changing(self) -> bool:
        return bool(STATE_CHANGING.intersection(self.methods))

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "methods": list(self.methods),
            "path": self.path,
            "handler": self.handler,
            "file": self.file,
            "line": self.line,
            "app": self.app,
            "auth": self.protections.get(AUTH) or None,
            "rate_limit": self.protections.get(RATE) or None,
            "csrf": self.protections.get(CSRF) or None,
            "headers": self.protections.get(HEADERS) or None,
            "public": self.public or None,
            "roles": self.roles or None,
            "fields": [{"name": name, "in": where} for name, where in self.fields] or None,
        }


@dataclass(slots=True)
class App:
    """An application (root owner) with the protections that apply to all of its routes."""

    framework: str
    name: str
    path: str
    line: int
    protections: dict[str, str] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    flags: dict[str, Any] = field(default_factory=dict)


__all__ = [
    "AUTH",
    "CSRF",
    "HEADERS",
    "KINDS",
    "RATE",
    "SAMESITE_SESSION",
    "STATE_CHANGING",
    "App",
    "FuncSummary",
    "Link",
    "ModuleFacts",
    "Owner",
    "RawRoute",
    "Route",
]
