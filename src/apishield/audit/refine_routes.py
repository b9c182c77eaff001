"""Project-wide refinements of findings inside route handlers, applied by :mod:`apishield.audit.refine`: where a
route is served (only in development, behind a proxy that closes it, by a local tool), and who decides its access
(a role check on the route, an authorization error raised below the handlers). Each lowers, never drops.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from apishield.audit import astutil as au
from apishield.audit.model import AUTH, Route
from apishield.audit.proxy_config import project_closed_locations
from apishield.audit.rules.base import is_test_code
from apishield.audit.rules.registry import ProjectContext
from apishield.audit.rules.route_nature import bound_to_loopback, identifies_caller
from apishield.findings import Finding, Severity

_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)\s*\(")


def function_spans(lines: list[str]) -> list[tuple[str, int, int]]:
    """(name, first line, last line) of every ``def`` of a module, 1-based, read from the text by indentation."""
    out: list[tuple[str, int, int]] = []
    for i, text in enumerate(lines):
        match = _DEF.match(text)
        if not match:
            continue
        indent, end = len(match.group(1)), i + 1
        for j in range(i + 1, len(lines)):
            body = lines[j]
            if body.strip() and not body.lstrip().startswith("#") and len(body) - len(body.lstrip()) <= indent \
                    and not body.lstrip().startswith((")", "]", "}")):
                break
            end = j + 1
        out.append((match.group(2), i + 1, end))
    return out


def lower_local_tools(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """Exception text in the files of a user-less app bound to loopback, lowered."""
    if not any(f.rule_id == "AS307" and f.severity > Severity.LOW for f in out):
        return out
    local = {r.file for a in project.facts.get("apps", []) if a.routes and not any(map(identifies_caller, a.routes))
             and bound_to_loopback(project, a.path) for r in a.routes}
    return [replace(f, severity=Severity.LOW, message=f"{f.message} (a local tool: no users, loopback only)")
            if f.rule_id == "AS307" and f.severity > Severity.LOW and f.location and f.location.path in local else f
            for f in out]


#: a request's credential compared with the one configured value (``compare_digest(token, settings.API_KEY)``,
#: ``if password != self.password``, ``key == os.environ["API_KEY"]``)
_ONE_SECRET = re.compile(
    r"compare_digest\([\s\S]{0,160}?(?:settings|config|environ|getenv|self)\.?\[?['\"]?\w*(?:password|passwd|api_?key|token|"
    r"secret)|[!=]=\s*(?:settings|config|conf|app\.config|os\.environ|self)(?:\.|\[['\"])\w*(?:password|passwd|"
    r"api_?key|token|secret)", re.IGNORECASE)
#: what only an application with several accounts has: a signed-in user, a user table or model, a sign-up
_ACCOUNTS = re.compile(r"current_user|get_current_user|request\.user\b|\buser_id\b|^class \w*User\w*\(|create_user\(|"
                       r"def (?:register|sign_?up)(?:_user|_account)?\(|login_user\(|"
                       r"__tablename__\s*=\s*['\"]users?['\"]|\bUser\.(?:query|objects|get|select|find)",
                       re.IGNORECASE | re.MULTILINE)


def operator_credential(project: ProjectContext) -> bool:
    """The application's only credential is its operator's: requests are checked against one configured password or
    API key, and nothing in the code knows of accounts (no signed-in user, user table or sign-up)."""
    code = [m for m in project.modules if not is_test_code(m.path)]
    return any(_ONE_SECRET.search(m.source) for m in code) and not any(_ACCOUNTS.search(m.source) for m in code)


#: what needs two callers to matter: exception text read by someone other than who runs the server, and object- and
#: function-level access checks that tell one caller from another
_OPERATOR_RULES = frozenset({"AS307", "AS102", "AS103"})


def lower_operator_only(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """Exception text (AS307) and missing object- or function-level checks (AS102, AS103) on an authenticated route
    of an app whose one credential is the operator's: every caller who gets past the check is the operator, who runs
    the server and owns every record; lowered."""
    if not any(f.rule_id in _OPERATOR_RULES and f.severity > Severity.LOW for f in out) or not operator_credential(
            project):
        return out
    routes = [r for r in project.facts.get("routes", []) if r.has(AUTH)]
    spans = _handler_spans(project, routes, lambda r: "signed in", from_route=True)
    return _lower_in_handlers(out, spans, lambda f: f.rule_id in _OPERATOR_RULES,
                              "only the operator's one credential reaches it: every caller is who runs the server")


def _handler_spans(project: ProjectContext, routes: Iterable[Route], why: Callable[[Route], str], *,
                   from_route: bool = False) -> dict[str, list[tuple[int, int, str]]]:
    """The line span of each route's handler (the ``def`` the route's line is in, or the first one after its
    decorator), per file, with what ``why`` says of the route; ``from_route`` starts it at the route's own line (its
    decorator), where route-level findings are reported."""
    lines = {m.path: m.lines for m in project.modules}
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for route in routes:
        defs = function_spans(lines.get(route.file, []))
        found = next((d for d in defs if d[1] <= route.line <= d[2]), None) or next(
            (d for d in defs if d[1] >= route.line), None)
        if found is not None:
            start = min(found[1], route.line) if from_route else found[1]
            spans.setdefault(route.file, []).append((start, found[2], why(route)))
    return spans


def _lower_in_handlers(out: list[Finding], spans: dict[str, list[tuple[int, int, str]]],
                       applies: Callable[[Finding], bool], note: str) -> list[Finding]:
    """Findings of ``applies`` inside one of the ``spans``, lowered, with ``note`` saying why."""
    lowered = []
    for f in out:
        where = f.location
        hit = next((why for lo, hi, why in spans.get(where.path, []) if lo <= where.line <= hi), "") \
            if where is not None and f.severity > Severity.LOW and applies(f) else ""
        lowered.append(replace(f, severity=Severity.LOW, message=f"{f.message} ({note.format(hit)})") if hit else f)
    return lowered


def lower_development_routes(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """Findings inside the handler of a route the app registers only in a development branch (a blueprint, router or
    mounted app included under ``if settings.DEBUG:``, ``if config['dev_mode']:``, ``if STORAGE == 'local':``),
    lowered: a deployment that leaves the switch off does not serve it. Route-level findings already say so."""
    routes = [r for r in project.facts.get("routes", []) if r.development]
    if not routes or not any(f.severity > Severity.LOW for f in out):
        return out
    spans = _handler_spans(project, routes, lambda r: r.development)
    return _lower_in_handlers(out, spans, lambda f: f.rule_id != "AS101", "its route is {}")


def lower_proxy_closed(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """Findings of a route whose path the repository's own nginx configuration closes to outside clients
    (``location /internal { internal; }``, ``allow 10.0.0.0/8; deny all;``), and inside its handler, lowered: the
    proxy answers 404 or 403 before the application sees an outside request, so the route serves only the
    deployment's own services."""
    routes = [r for r in project.facts.get("routes", []) if r.path.startswith("/")]
    if not routes or not any(f.severity > Severity.LOW for f in out):
        return out
    closed = project_closed_locations(project.root)
    if not closed:
        return out
    shut = [r for r in routes if any(c.covers(r.path) for c in closed)]

    def why(route: Route) -> str:
        return next(c.describe() for c in closed if c.covers(route.path))

    spans = _handler_spans(project, shut, why, from_route=True)
    return _lower_in_handlers(out, spans, lambda f: True, "the proxy closes it to outside clients: {}")


#: an exception class named for a refused authorization (``BEMServerAuthorizationError``, ``PermissionDenied``)
_AUTHZ_ERROR = re.compile(r"(?i)authori[sz]|permission|forbidden|access_?denied|not_?allowed")
_EXCEPT = re.compile(r"^(\s*)except\s+\(?\s*([\w.]+)")
_ERROR_HANDLER = re.compile(r"(?:errorhandler|register_error_handler|exception_handler|add_exception_handler)\(\s*"
                            r"([\w.]+)")
_FORBIDS = re.compile(r"\b403\b|Forbidden|HTTP_403|status\.FORBIDDEN|HTTPStatus\.FORBIDDEN")
_CALLS_WRAPPED = re.compile(r"\b\w+\(\s*\*args|\b\w+\(\s*\*\*kwargs")


def delegated_authorization(project: ProjectContext) -> str:
    """Where the project turns an authorization error raised below its handlers into a 403: a guard wrapper that calls
    the handler inside ``try`` and answers ``except AuthorizationError: abort(403)``, or an application-wide handler of
    such an error that answers 403. Object access is then decided in the layer that raises it (a data layer that
    checks the signed-in user on every load); ``""`` when the project has none."""
    for module in project.modules:
        if is_test_code(module.path) or not _AUTHZ_ERROR.search(module.source):
            continue
        lines = module.lines
        for i, line in enumerate(lines):
            handler = _ERROR_HANDLER.search(line)
            if handler and _AUTHZ_ERROR.search(au.last(handler.group(1))) and _FORBIDS.search(
                    "\n".join(lines[i:i + 8])):
                return f"{au.last(handler.group(1))} ({module.path}:{i + 1})"
            caught = _EXCEPT.match(line)
            if not caught or not _AUTHZ_ERROR.search(au.last(caught.group(2))):
                continue
            indent = len(caught.group(1))
            body = [t for t in lines[i + 1:i + 5] if len(t) - len(t.lstrip()) > indent]
            start = next((j for j in range(i - 1, max(-1, i - 12), -1)
                          if lines[j].strip() == "try:" and len(lines[j]) - len(lines[j].lstrip()) == indent), None)
            if (start is not None and _FORBIDS.search("\n".join(body))
                    and _CALLS_WRAPPED.search("\n".join(lines[start + 1:i]))):
                return f"{au.last(caught.group(2))} ({module.path}:{i + 1})"
    return ""


_OBJECT_ACCESS_RULES = frozenset({"AS102", "AS103"})


def lower_delegated_authorization(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """Object- and function-level access findings (AS102, AS103) in a project that turns an authorization error raised
    below its handlers into a 403, lowered: the check is in the layer that raises it, which the route does not show."""
    if not any(f.rule_id in _OBJECT_ACCESS_RULES and f.severity > Severity.LOW for f in out):
        return out
    where = delegated_authorization(project)
    if not where:
        return out
    return [replace(f, severity=Severity.LOW, message=f"{f.message} (the project turns {where} raised below its "
                    "handlers into 403: the layer that raises it may decide this access)")
            if f.rule_id in _OBJECT_ACCESS_RULES and f.severity > Severity.LOW else f for f in out]


#: what matters only when an attacker is the caller: unbounded page sizes (AS203)
_CALLER_RULES = frozenset({"AS203"})


def lower_role_guarded(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """Unbounded page sizes (AS203) in the handler of a route that admits only callers who pass a role check
    (``Depends(check_admin)``, ``@admin_required``, a blueprint hook refusing all but staff), lowered: the large page
    is asked by a caller the application trusts with the role; an anonymous or ordinary user never reaches it.
    Injections and exception text keep their severity: a role is no licence for them."""
    if not any(f.rule_id in _CALLER_RULES and f.severity > Severity.LOW for f in out):
        return out
    routes = [r for r in project.facts.get("routes", []) if r.roles and r.has(AUTH)]
    spans = _handler_spans(project, routes, lambda r: r.roles)
    return _lower_in_handlers(out, spans, lambda f: f.rule_id in _CALLER_RULES, "only callers passing {} reach it")


__all__ = [
    "delegated_authorization",
    "function_spans",
    "lower_delegated_authorization",
    "lower_development_routes",
    "lower_local_tools",
    "lower_operator_only",
    "lower_proxy_closed",
    "lower_role_guarded",
    "operator_credential",
]
