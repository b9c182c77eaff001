"""AS103 over the route inventory (project scope): privileged routes that check who the caller is but not what they
may do, and the project's own guards named for a role that check none.

A guard's name is a promise (``@admin_required``); its body is what it does. When the project wrote the guard and
its body only refuses callers who are not signed in (the inventory then withdraws the role it would have granted by
name), every route it guards is open to any signed-in user, and the guard's definition is the one place to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.frameworks.common import static_segments
from apishield.audit.frameworks.role_checks import names_role
from apishield.audit.model import AUTH, Route
from apishield.audit.rules.base import at, is_test_code, related, served_routes
from apishield.audit.rules.missing import describe_route
from apishield.audit.rules.registry import ProjectContext, rule
from apishield.audit.rules.route_nature import acts_on_own_account, handler_body, line_text
from apishield.findings import Confidence, Finding, Rule, Severity

NO_ROLE = Rule(
    id="AS103",
    title="Privileged operation without a role check",
    cwe=(285, 862),
    owasp="API5:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.LOW,
    description="An admin / user-management route checks who the caller is, but not what they may do.",
    fix="apishield: `@shield.require('admin:write', roles=['admin'])`. Plain: a role decorator "
    "(flask-security `@roles_required('admin')`) or `if 'admin' not in user.roles: abort(403)`.",
)


_PRIVILEGED = re.compile(
    r"^(admin|administration|administrator|manage|management|superuser|staff|roles?|"
    r"permissions?|grant|promote|impersonate|sudo)$",
    re.IGNORECASE,
)
#: how a route's authentication names a decorator or dependency: ``@admin_required``, ``Depends(require_admin)``
_GUARD_NAME = re.compile(r"@?(?:Depends\()?([A-Za-z_][\w.]*)")


@rule(NO_ROLE, scope="project")
def check_missing_role(project: ProjectContext) -> Iterator[Finding]:
    """AS103 — an authenticated admin/user-management route (``/admin``, ``/roles``, ``/promote``, deleting
    users) with no role or permission check in its decorators, dependencies or body. Dependencies count wherever
    attached (route, ``APIRouter(dependencies=...)``, ``include_router(..., dependencies=...)`` of any including
    router) and through any chain (``Depends(RoleChecker(["ADMIN"]))`` whose ``__call__`` takes a user alias taking
    a bearer scheme). A session flag that only a sign-in as the admin account sets is a role check; a handler
    acting on the caller's own account needs none. A guard of the project's own named for a role whose body only
    refuses the anonymous is reported once more at its definition, with the routes it leaves open."""
    open_by_guard: dict[str, list[Route]] = {}
    places: dict[str, tuple[str, int] | None] = {}  # each guard's definition, looked up once
    for route in served_routes(project.facts.get("routes", [])):
        if not route.has(AUTH) or route.roles or route.public:
            continue
        guard = _role_named_guard(project, route, places)
        if guard:
            open_by_guard.setdefault(guard, []).append(route)
        segs = static_segments(route.path)
        privileged = any(_PRIVILEGED.match(s) for s in segs) or "admin" in route.handler.lower()
        if not privileged and "DELETE" in route.methods and segs and segs[-1].lower() in {"users", "user", "accounts"} \
                and not _under_an_object(route.path, segs[-1]):
            privileged = True  # deleting an account (not a member out of a group: ``/groups/{id}/users/{uid}``)
        own = not _OTHERS_ACCOUNTS.search(f"{route.path} {route.handler}") and acts_on_own_account(project, route)
        if privileged and not own and not _admin_only_session_flag(project, route):
            named = f"; {guard}() is named for a role but only refuses callers who are not signed in" if guard else ""
            yield at(NO_ROLE, route.file, line_text(project, route.file), route.line,
                     f"{describe_route(route)} is privileged but only checks authentication "
                     f"({route.protections[AUTH]}{named})", **related(route))  # type: ignore[arg-type]
    for guard, routes in open_by_guard.items():
        if (where := places[guard]) is None:
            continue  # not reached: a guard is collected only where its definition was found
        path, line = where
        shown = ", ".join(f"{'/'.join(r.methods)} {r.path}" for r in routes[:3]) + (" …" if len(routes) > 3 else "")
        yield at(NO_ROLE, path, line_text(project, path), line,
                 f"{guard}() is named for a role but only refuses callers who are not signed in: the {len(routes)} "
                 f"route(s) it guards ({shown}) are open to every signed-in user")


def _under_an_object(path: str, segment: str) -> bool:
    """``segment`` comes after a path parameter (``/groups/{group_id}/users/{user_id}``): a collection nested in
    another object, whose DELETE takes an account out of that object, not out of the system."""
    before = path[:path.rfind("/" + segment)]
    return bool(re.search(r"\{[^}]+\}|<[^>]+>", before))


def _role_named_guard(project: ProjectContext, route: Route, places: dict[str, tuple[str, int] | None]) -> str:
    """The project's own guard that authenticates ``route`` while its name promises a role, or ``""``: the
    route has no role, so the guard's body was read and decides on none. ``places`` keeps each definition found."""
    match = _GUARD_NAME.match(route.protections.get(AUTH, ""))
    if match is None:
        return ""
    name = au.last(match.group(1))
    inventory = project.facts.get("inventory")
    if inventory is None or not names_role(name):
        return ""
    summary = inventory.functions.get(name)
    if summary is None or not inventory.only_authenticates(summary):
        return ""
    if name not in places:
        places[name] = _definition(project, name)
    return name if places[name] is not None else ""


def _definition(project: ProjectContext, name: str) -> tuple[str, int] | None:
    """Where the project defines the function ``name`` (the first module that does), or None."""
    inventory = project.facts.get("inventory")
    for module in getattr(inventory, "facts", None) or ():
        summary = module.functions.get(name)
        if summary is not None and not is_test_code(module.path):
            return module.path, summary.line
    return None


_OTHERS_ACCOUNTS = re.compile(r"admin|superuser|staff|role|permission|grant|promote|impersonate|sudo", re.IGNORECASE)
_SESSION_FLAG = re.compile(r"""session(?:\.get\(\s*|\[\s*)['"](\w+)['"]|['"](\w+)['"]\s+in\s+session\b""")
_ADMIN_TEST = re.compile(r"""^\s*(?:el)?if\b.*==\s*['"]admin\w*['"]|^\s*(?:el)?if\b.*['"]admin\w*['"]\s*==""",
                         re.IGNORECASE)


def _admin_only_session_flag(project: ProjectContext, route: Route) -> bool:
    """The handler checks a session flag that the project sets only in a branch testing for the admin account
    (``if username == 'admin' and ...: session['logged_in'] = True``): that check is the role check."""
    flags = {a or b for a, b in _SESSION_FLAG.findall(handler_body(project, route) or "")}
    for flag in flags:
        setter = re.compile(rf"""session\[\s*['"]{flag}['"]\s*\]\s*=\s*(?!\s*(?:False|None)\b)""")
        sets = [(m.lines, i) for m in project.modules for i, text in enumerate(m.lines) if setter.search(text)]
        if sets and all(any(_ADMIN_TEST.search(t) for t in lines[max(0, i - 3):i]) for lines, i in sets):
            return True
    return False


__all__ = ["NO_ROLE"]
