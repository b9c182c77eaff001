"""Join the per-module facts into one route inventory: owners, prefixes and every protection that applies.

Protection sources, most specific first: the handler's own body (``abort(401)``), its decorators and
dependencies, its class (``decorators = [...]``, ``_cp_config``), its blueprint/router (hooks, dependencies,
``include_router(dependencies=...)``), its app (extensions, middleware, plugins, hooks) and framework-wide
configuration (CherryPy config sections, ``before_app_request``). A decorator, hook, tool or dependency
defined anywhere in the project is classified by what its body does (see
:mod:`apishield.audit.frameworks.common`).
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Iterable
from dataclasses import replace

from apishield.audit import astutil as au
from apishield.audit.frameworks import cherrypy as cp
from apishield.audit.frameworks.common import classify_name, join_path, public_by_design
from apishield.audit.frameworks.dependencies import SECURITY_SCHEMES
from apishield.audit.frameworks.factories import selected, split_call
from apishield.audit.frameworks.hook_exemptions import exempted
from apishield.audit.frameworks.role_checks import names_role
from apishield.audit.model import (
    AUTH,
    CSRF,
    HEADERS,
    KINDS,
    MIDDLEWARE_HOOK,
    RATE,
    App,
    FuncSummary,
    Link,
    ModuleFacts,
    Owner,
    RawRoute,
    Route,
)

#: a middleware function named for authentication (``auth_middleware``, ``middleware_auth``, ``jwt_middleware``);
#: Starlette's ``AuthenticationMiddleware`` class only tells routes who the caller is, and is not read here
_AUTH_MIDDLEWARE = re.compile(r"^(?:\w*_)?(?:auth\w*|jwt|token|login|bearer)_?middleware$|^middleware_(?:auth\w*|jwt|"
                              r"token|login|bearer)$")


#: FastAPI's security scheme classes (and what they hand the route), by the end of a class's name: a library's
#: subclass is named for the one it extends (``CookieOrHTTPBearer``); the generic bases are left out
_SCHEME_CLASS = re.compile("(?:" + "|".join(sorted(SECURITY_SCHEMES - {"OAuth2", "SecurityScopes", "SecurityBase"}))
                           + ")$")
#: a call that authenticates the request, in a hook run before every request (``verify_jwt_in_request()``, ``res =
#: authenticate(request.headers)``): the hook refuses through it (a ``check_token()`` whose answer may go unused in a
#: timing hook is not enough by its name)
_AUTHENTICATING_CALL = re.compile(r"^(?:authenticate(?:_request)?|verify_jwt_in_request)$")


#: the methods of an app, router or blueprint that register a route (``@router.delete("/{id}")``)
_REGISTRATION_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace", "route",
                                   "api_route", "websocket", "websocket_route", "add_route", "add_api_route",
                                   "add_url_rule", "expose"})


def _shared_depth(a: list[str], b: list[str]) -> int:
    """How many leading folders two paths share."""
    depth = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        depth += 1
    return depth


class Inventory:
    """Routes and apps of a scanned project (built once by :func:`build`)."""

    def __init__(self, facts: list[ModuleFacts]) -> None:
        self.facts = facts
        self.functions: dict[str, FuncSummary] = {}
        for mod in facts:
            for name, summary in mod.functions.items():
                known = self.functions.get(name)
                if known is None:
                    self.functions[name] = copy.copy(summary)  # merged below: each module's own stays as it is
                else:
                    for attr in (
                        "rejects_unauth",
                        "security_headers",
                        "checks_roles",
                        "rate_limits",
                        "checks_csrf",
                        "auth_dependency",
                    ):
                        if getattr(summary, attr):
                            setattr(known, attr, True)
                    known.depends_on = known.depends_on + summary.depends_on
        #: each module's own functions: a hook is the function of its name in the module that installs it (two
        #: blueprints' ``prepare`` hooks are two functions, whatever the merged table above says of the name)
        self.module_functions = {(mod.path, name): summary for mod in facts for name, summary in mod.functions.items()}
        self.owners: list[Owner] = [o for mod in facts for o in mod.owners]
        self._hook_home = {(id(o), hook): o.path for o in self.owners for hook in o.hooks}
        self.calls_at: dict[tuple[str, int], list[str]] = {
            (mod.path, line): names for mod in facts for line, names in mod.flags.get("calls_at", {}).items()}
        self._join_imported_owners()
        self.links: list[Link] = [link for mod in facts for link in mod.links]
        self._apps_by_framework: dict[str, Owner | None] = {}
        self.tools: dict[str, set[str]] = {}
        self._kinds: dict[str, frozenset[str]] = {}  # what :meth:`kinds_of` found for each name
        for mod in facts:
            for name, kinds in mod.tools.items():
                self.tools.setdefault(name, set()).update(kinds)
            for name, func in mod.flags.get("cp_tool_funcs", {}).items():
                self.tools.setdefault(name, set()).update(self.kinds_of(func))
        self.globals: dict[str, dict[str, str]] = {}
        for mod in facts:
            for fw, table in mod.global_protections.items():
                for kind, how in table.items():
                    self.globals.setdefault(fw, {}).setdefault(kind, how)
            for fw, hook in mod.flags.get("global_hooks", []):
                for kind in self._hook_kinds(hook):
                    self.globals.setdefault(fw, {}).setdefault(kind, f"{au.last(hook)}()")
        self._bind_cross_module_extensions()
        self.sections: list[tuple[str, str]] = [s for mod in facts for s in mod.tool_sections]
        self.routes: list[Route] = []
        self.apps: dict[str, App] = {}
        self._resolve()

    # --- classification --------------------------------------------------------------------------
    def kinds_of(self, name: str, depth: int = 0) -> set[str]:
        """Protection kinds (plus ``public``/``role``/``csrf_exempt``) that a decorator/dependency provides.

        Dependencies are followed to any depth (``checker = Depends(RoleChecker(...))`` → ``RoleChecker.__call__``
        → a ``CurrentUser`` alias → ``GetCurrentUser`` → its bearer class → ``HTTPBearer`` is one chain); each name
        is worked out once, and a name met again while it is being worked out counts for its own name only."""
        known = self._kinds.get(name)
        if known is not None:
            return set(known)
        base, flags = split_call(name)
        kinds = classify_name(base)
        if _SCHEME_CLASS.search(au.last(base)):
            kinds.add(AUTH)  # FastAPI's scheme classes, and a library's subclass named for one (``CookieOrHTTPBearer``)
        # ``@router.delete(...)`` registers the route: it is the framework's method, never a project function that
        # shares its last name (a handler or a data-layer helper called ``delete``)
        registers = "." in base and au.last(base) in _REGISTRATION_METHODS
        summary = None if registers else self.functions.get(au.last(base))
        if summary is None or "public" in kinds or depth > 32:
            return kinds
        self._kinds[name] = frozenset(kinds)  # in progress: a cycle back to this name sees the name alone
        if returned := selected(summary.returns, summary.flag_defaults, flags):
            # a factory: the route depends on what the call gets back (every branch it may take must authenticate)
            each = [self.kinds_of(r, depth + 1) for r in returned]
            for kind in (AUTH, "role"):
                if all(kind in k for k in each):
                    kinds.add(kind)
            if AUTH not in kinds and any("public" in k for k in each):
                kinds.add("public")
        if summary.rejects_unauth or summary.auth_dependency:
            kinds.add(AUTH)
        if summary.checks_roles:
            # a decorator or dependency that decides on the caller's role (``@for_admins()`` comparing the role's
            # name and raising) is a role check, also when another decorator does the authentication
            kinds.add("role")
        elif "role" in kinds and self.only_authenticates(summary):
            # named for a role (``@admin_required``) but its body only refuses the anonymous: the project's own
            # code says what it checks, and the name promises more than it does
            kinds.discard("role")
        if summary.rate_limits and summary.rejects_unauth is False and "limit" in name.lower():
            kinds.add(RATE)
        if summary.checks_csrf:
            kinds.add(CSRF)
        for dep in summary.depends_on:
            # through a dependency (or an ``Annotated[User, Depends(get_admin)]`` alias): its authentication,
            # and its role check when it authenticates too
            inherited = self.kinds_of(dep, depth + 1)
            if AUTH in inherited:
                kinds.add(AUTH)
                if "role" in inherited or summary.checks_roles:
                    kinds.add("role")
        for maker in summary.decorators:
            # ``@permissions_wrapper def global_admin(...)``: the name is bound to what the project's decorator
            # maker returns (a decorator that signs the caller in and refuses with 403 when the predicate fails),
            # so the guard is the maker's; the decorated body is only its predicate, a role test
            made = self.kinds_of(maker, depth + 1) if au.last(maker) in self.functions else set()
            if AUTH in made:
                kinds.add(AUTH)
                if "role" in made or summary.checks_roles or names_role(au.last(base)):
                    kinds.add("role")  # a predicate named for the role it admits (``global_admin``)
        self._kinds[name] = frozenset(kinds)
        return kinds

    def only_authenticates(self, summary: FuncSummary) -> bool:
        """The project's function refuses callers who are not signed in and decides nothing else: no role test in
        its body, in a function it calls, in what it returns or in a dependency it takes."""
        if not summary.rejects_unauth or summary.returns or summary.depends_on:
            return False
        return not any((callee := self.functions.get(name)) is not None and callee.checks_roles
                       for name in summary.calls)

    def _hook_kinds(self, hook: str, path: str | None = None, handler: str = "", home: str | None = None) -> set[str]:
        """What ``hook`` does for a route at ``path`` served by ``handler``: a URL value preprocessor (``name?a|b``)
        only acts on paths that carry one of the values it reads; an authenticating hook does not guard the
        endpoints or paths it exempts, itself or through a predicate it calls. ``home`` is the module that installs
        the hook: its function of that name, when it has one, is the hook."""
        hook, _, values = hook.partition("?")
        carried = path is None or any(re.search(rf"[<{{](?:\w+:)?{re.escape(v)}[>}}]", path) for v in values.split("|"))
        if values and not carried:
            return set()
        if hook.startswith(MIDDLEWARE_HOOK):  # a middleware class of the project's own: its body says what it does
            summary, kinds = self.functions.get(hook[len(MIDDLEWARE_HOOK):]), set()
        else:
            summary = self.module_functions.get((home, hook)) if home and "." not in hook else None
            summary = summary or self.functions.get(au.last(hook))
            kinds = {k for k in classify_name(hook) if k in KINDS}
            if _AUTH_MIDDLEWARE.search(au.last(hook)):
                kinds.add(AUTH)
        if summary is not None:
            if summary.rejects_unauth or any(_AUTHENTICATING_CALL.match(call) for call in summary.calls):
                kinds.add(AUTH)
                if summary.checks_roles:  # a blueprint's ``before_request`` refusing every caller but an admin
                    kinds.add("role")
            # headers set by a helper the hook calls (``return add_security_headers(response)``): one level down
            if summary.security_headers or any(
                    (helper := self.functions.get(name)) is not None and helper.security_headers
                    for name in summary.calls):
                kinds.add(HEADERS)
            if summary.rate_limits:
                kinds.add(RATE)
            if summary.checks_csrf:
                kinds.add(CSRF)
            exempts = summary.exempts + tuple(e for name in summary.calls if (helper := self.functions.get(name))
                                              is not None and helper is not summary for e in helper.exempts)
            if AUTH in kinds and path is not None and exempted(exempts, path, handler):
                kinds -= {AUTH, "role"}
        return kinds

    def _tool_kinds(self, tool: str) -> set[str]:
        if tool == "response_headers:security":
            return {HEADERS}
        if tool == "response_headers":
            return set()  # counts only with security headers in its list (recorded as response_headers:security)
        kinds = set(cp.BUILTIN_TOOLS.get(tool, set())) | self.tools.get(tool, set())
        return kinds | {k for k in classify_name(tool) if k in KINDS or k == "public"}

    def _bind_cross_module_extensions(self) -> None:
        ext_vars: dict[str, tuple[list[str], str]] = {}
        for mod in self.facts:
            ext_vars.update(mod.flags.get("ext_vars", {}))
        for mod in self.facts:
            for ext, target, line in mod.flags.get("init_app", []):
                found = ext_vars.get(au.last(ext))
                if not found:
                    continue
                owner = self._find_owner(target, mod.path)
                if owner is None:
                    owner = Owner("flask", target, "app", line, path=mod.path)
                    self.owners.append(owner)
                for kind in found[0]:
                    owner.protections.setdefault(kind, found[1])

    # --- owners ---------------------------------------------------------------------------------
    def _join_imported_owners(self) -> None:
        """Hooks a module puts on an owner it imports (``from . import api`` then ``@api.before_request``) join
        that owner, and hooks an installer function puts on the app it is handed (``def install(app)``) join the
        project's one app; when it is not found, the module's own stand-in serves as an app, as before."""
        for o in [o for o in self.owners if o.kind in ("import", "param")]:
            if o.kind == "param":  # ``def install(app): @app.after_request``: whichever app it is handed
                apps = [a for a in self.owners if a.framework == o.framework and a.kind == "app"]
                target = apps[0] if len(apps) == 1 else None
            else:
                target = self._find_owner(o.ref, o.path, o.framework)
            if target is None:
                o.kind = "app"
                continue
            for hook in o.hooks:
                if hook not in target.hooks:
                    target.hooks.append(hook)
                    self._hook_home[(id(target), hook)] = o.path  # defined where it was installed
            for kind, how in o.protections.items():
                target.protections.setdefault(kind, how)

    def _find_owner(self, ref: str, from_path: str, framework: str | None = None) -> Owner | None:
        var = au.last(ref)
        parts = ref.lstrip(".").split(".")
        hint = parts[-2] if len(parts) >= 2 else ""
        candidates = [o for o in self.owners if o.name == var and o.kind != "import"
                      and (framework is None or o.framework == framework)]
        if not candidates:
            return None
        if len(parts) >= 3:  # ``budget_accounts.api.router``: the dotted path names the file, not the stem alone
            # the longest tail of the dotted path that names one module: ``backend.legislation.router`` is
            # ``legislation/router.py`` of a project audited from inside the ``backend`` package
            for start in range(len(parts) - 2):
                module = "/".join(parts[start:-1])
                found = [o for o in candidates if ("/" + posixpath.splitext(o.path)[0]).endswith("/" + module)
                         or ("/" + posixpath.splitext(o.path)[0]).endswith("/" + module + "/__init__")]
                if found:
                    return found[0]
        if hint:
            for o in candidates:
                stem = posixpath.splitext(posixpath.basename(o.path))[0]
                if stem == hint or (stem == "__init__" and posixpath.basename(posixpath.dirname(o.path)) == hint):
                    return o
        for o in candidates:
            if o.path == from_path:
                return o
        # imported from elsewhere (``from . import bp``): the nearest one, in the same package before any other
        # (two packages each with their own ``bp`` are two blueprints)
        here = posixpath.dirname(from_path).split("/")
        return max(candidates, key=lambda o: _shared_depth(here, posixpath.dirname(o.path).split("/")))

    def _handler_location(self, raw: RawRoute, file: str) -> tuple[str, int] | None:
        """Where the handler of a registered route is defined: in the registering module (``handler_line``), or,
        for a dotted handler (``api.items.search``, an OpenAPI ``operationId``), the function in that module."""
        if raw.handler_file and raw.handler_line:
            return raw.handler_file, raw.handler_line
        if raw.handler_line and raw.handler_line != raw.line:
            return file, raw.handler_line
        parts = raw.handler.split(".")
        if len(parts) < 2:
            return None
        for mod in self.facts:
            stem = posixpath.splitext(posixpath.basename(mod.path))[0]
            summary = mod.functions.get(parts[-1])
            if summary is not None and stem == parts[-2]:
                return mod.path, summary.line
        return None

    def _only_app(self, framework: str) -> Owner | None:
        """The project's one application object of ``framework`` (an owner of kind app with no parent), if
        there is exactly one."""
        if framework not in self._apps_by_framework:
            apps = [o for o in self.owners if o.framework == framework and o.kind == "app" and self._parent(o) is None]
            self._apps_by_framework[framework] = apps[0] if len(apps) == 1 else None
        return self._apps_by_framework[framework]

    def _parent(self, owner: Owner) -> tuple[Owner, Link] | None:
        for link in self.links:
            if au.last(link.child) != owner.name:
                continue
            child = self._find_owner(link.child, link.path, owner.framework)
            if child is not owner:
                continue
            parent = self._find_owner(link.parent, link.path)
            if parent is not None and parent is not owner:
                return parent, link
        return None

    # --- resolution -------------------------------------------------------------------------------
    def _raw_routes(self) -> Iterable[tuple[RawRoute, str]]:
        classes: dict[str, list[list[RawRoute]]] = {}
        for mod in self.facts:
            for name, routes in mod.flags.get("view_classes", {}).items():
                classes.setdefault(name, []).append(routes)
        for mod in self.facts:
            for route in mod.routes:
                if not route.view_class:
                    yield route, mod.path
                    continue
                found = classes.get(route.view_class, [])
                if len(found) != 1:
                    continue  # a resource class no module of the project defines once: its methods are not known
                # the resource's own methods at the registration's path (reported at their handler, in its module)
                for template in found[0]:
                    yield replace(template, path=route.path, owner=route.owner, line=route.line,
                                  decorators=[*route.decorators, *template.decorators]), mod.path
        for route, path, _mount in cp.project_routes(self.facts):
            yield route, path

    def _resolve(self) -> None:
        raws = list(self._raw_routes())
        self._first_mount: dict[str, int] = {}
        for raw, _ in raws:
            if raw.framework == cp.FRAMEWORK:
                where, _, line = raw.owner.rpartition(":")
                number = int(line or 0)
                self._first_mount[where] = min(self._first_mount.get(where, number), number)
        for raw, path in raws:
            self.routes.append(self._route(raw, path))

    def _route(self, raw: RawRoute, file: str) -> Route:
        protections = dict(raw.protections)
        public = raw.public
        roles = raw.roles
        csrf_exempt = raw.csrf_exempt
        development = ""

        def add(kinds: set[str], how: str) -> None:
            nonlocal public, roles, csrf_exempt
            for kind in kinds:
                if kind in KINDS:
                    protections.setdefault(kind, how)
            if "public" in kinds and not public:
                public = how
            if "role" in kinds and not roles:
                roles = how
            if "csrf_exempt" in kinds:
                csrf_exempt = True

        handler_summary = self.functions.get(au.last(raw.handler))
        # a handler registered away from its definition (``Route("/profile", endpoint=profile)`` naming a view of
        # another module) carries the decorators written on that view
        away = handler_summary if raw.registered and not raw.decorators else None
        for dec in [*raw.decorators, *(away.decorators if away is not None else [])]:
            add(self.kinds_of(dec), f"@{dec}")
        skips = {d[5:].lower() for d in raw.dependencies if d.startswith("skip:")}
        # the dependencies a FastAPI handler registered away (``add_api_route(path, endpoints.get_job)``) declares
        # in its own signature run as they do under a decorator
        declared = list(away.depends_on) if away is not None and raw.framework == "fastapi" else []
        for dep in [*raw.dependencies, *(d for d in declared if d not in raw.dependencies)]:
            if dep.startswith("skip:"):
                continue
            if raw.framework == cp.FRAMEWORK:
                add(self._tool_kinds(dep), f"tools.{dep}")
            else:
                add(self.kinds_of(dep), f"Depends({au.last(dep)})")
        if AUTH not in protections:  # the handler calls a business function that carries the guard
            for callee in self.calls_at.get((file, raw.handler_line), []):
                summary = self.functions.get(callee)
                for dec in summary.decorators if summary is not None else []:
                    add(self.kinds_of(dec) & {AUTH, "role"}, f"{callee}() @{au.last(dec)}")
        path = raw.path
        unlinked = False
        if raw.framework == cp.FRAMEWORK:
            # every mount of a module serves from the same CherryPy engine: one app, anchored at the first mount
            app_file = raw.owner.rsplit(":", 1)[0]
            app_name, app_line = f"{app_file}:cherrypy", self._first_mount.get(app_file, 0)
            app_protections: dict[str, str] = {}
            for section, tool in self.sections:
                # config sections are relative to the mount point: match them anywhere along the path
                if section in ("/", "*") or ("/" + path.strip("/") + "/").find(section.rstrip("/") + "/") >= 0:
                    for kind in self._tool_kinds(tool):
                        if kind in KINDS:
                            protections.setdefault(kind, f"tools.{tool.split(':')[0]}")
                            if section in ("/", "*"):
                                app_protections.setdefault(kind, f"tools.{tool.split(':')[0]}")
                        elif kind == "public" and not public:
                            public = f"tools.{tool}"
        else:
            owner = self._find_owner(raw.owner, file, raw.framework) if raw.owner or raw.framework == "bottle" else None
            app_protections = {}
            chain: list[Owner] = []
            prefixes: list[str] = []
            seen: set[int] = set()
            links: list[Link | None] = []  # the link from each owner of the chain to the next one up
            while owner is not None and id(owner) not in seen:
                seen.add(id(owner))
                chain.append(owner)
                parent = self._parent(owner)
                # register_blueprint(url_prefix=...) / include_router(prefix=...) override the owner's own prefix
                # in Flask; FastAPI adds them up
                if parent is not None and parent[1].prefix:
                    own = owner.prefix if owner.framework == "fastapi" else ""
                    prefixes.append(join_path(parent[1].prefix, own) if own else parent[1].prefix)
                else:
                    prefixes.append(owner.prefix)
                links.append(parent[1] if parent is not None else None)
                owner = parent[0] if parent is not None else None
            # the path the request has, prefixes included: what a hook's exemptions compare (``request.path``)
            path = join_path(*reversed(prefixes), raw.path) if raw.path != "?" else "?"
            for owner, link in zip(chain, links, strict=True):
                for kind, how in owner.protections.items():
                    if au.last(how).lower() in skips or "*" in skips:
                        continue
                    protections.setdefault(kind, how)
                for hook in owner.hooks:
                    add(self._hook_kinds(hook, path, raw.handler, self._hook_home.get((id(owner), hook))),
                        f"{au.last(hook.partition('?')[0])}()")
                for dep in owner.dependencies:
                    add(self.kinds_of(dep), f"Depends({au.last(dep)})")
                if link is None:
                    break
                if link.development and not development:
                    development = f"registered only in a development branch ({link.path}:{link.line})"
                for dep in link.dependencies:
                    add(self.kinds_of(dep), f"Depends({au.last(dep)})")
            root = chain[-1] if chain else None
            if root is None or root.kind != "app":
                # a blueprint/router/namespace (or a ``Sockets(app)`` wrapper) never linked to an app here is not
                # an app of its own: with one app of the framework in the project, it is part of that app
                only = self._only_app(raw.framework)
                if only is not None:
                    root = only
                    for kind, how in only.protections.items():
                        protections.setdefault(kind, how)
                    for hook in only.hooks:
                        add(self._hook_kinds(hook, path, raw.handler, self._hook_home.get((id(only), hook))),
                            f"{au.last(hook.partition('?')[0])}()")
            unlinked = root is not None and root.kind != "app"
            if root is not None:
                app_name, app_line, app_file = f"{root.path}:{root.name}", root.line, root.path
                app_protections = dict(root.protections)
            elif "." in raw.owner:
                # ``settings.app.route``: an attribute of a shared module, filled in at start-up (``settings.app =
                # Bottle()``): every module decorating through it adds to the one app
                app_name, app_line, app_file = raw.owner, raw.line, file
            else:
                app_name, app_line, app_file = f"{file}:{raw.owner or raw.framework}", raw.line, file
        for kind, how in self.globals.get(raw.framework, {}).items():
            protections.setdefault(kind, how)
            app_protections.setdefault(kind, how)
        if handler_summary is not None and handler_summary.checks_csrf:
            protections.setdefault(CSRF, f"checked in {au.last(raw.handler)}()")
        elif handler_summary is not None and (checker := next((
                name for name in handler_summary.calls if (helper := self.functions.get(au.last(name))) is not None
                and helper is not handler_summary and helper.checks_csrf), None)):
            # a helper of the project's the handler calls compares the form's token with the session's and aborts
            protections.setdefault(CSRF, f"checked in {au.last(checker)}()")
        if AUTH not in protections and handler_summary is not None and (guard := next((
                name for name in handler_summary.first_calls if (helper := self.functions.get(name)) is not None
                and helper is not handler_summary and helper.rejects_unauth), None)):
            # a helper of another module the handler calls first refuses unauthenticated callers
            protections.setdefault(AUTH, f"{guard}()")
        if not roles and handler_summary is not None and handler_summary.checks_roles:
            roles = f"checked in {au.last(raw.handler)}()"
        if not public and AUTH not in protections:
            static = handler_summary is not None and handler_summary.static_page
            reason = public_by_design(path, raw.handler, raw.methods, static)
            if reason:
                public = f"by design ({reason})"
        line, registration = raw.line, None
        if raw.registered:  # report at the handler; the registration becomes a related location
            where = self._handler_location(raw, file)
            if where is not None and where != (file, raw.line):
                registration = (file, raw.line)
                file, line = where
        route = Route(
            framework=raw.framework,
            methods=raw.methods,
            path=path,
            handler=raw.handler,
            file=file,
            line=line,
            registration=registration,
            app=app_name,
            app_line=app_line,
            protections={k: protections.get(k, "") for k in KINDS},
            public=public,
            roles=roles,
            csrf_exempt=csrf_exempt,
            uses_session=raw.uses_session,
            reads_form=raw.reads_form,
            fields=raw.fields,
            development=development,
        )
        app = self.apps.get(app_name)
        if app is None:
            app = App(raw.framework, app_name, app_file or file, app_line or raw.line, dict(app_protections))
            # a router or blueprint that no app of the project includes: its routes are served only if some code
            # this audit does not see mounts it
            app.flags["unlinked"] = unlinked
            self.apps[app_name] = app
        app.routes.append(route)
        return route


def build(facts: list[ModuleFacts]) -> Inventory:
    return Inventory(facts)


__all__ = ["Inventory", "build"]
