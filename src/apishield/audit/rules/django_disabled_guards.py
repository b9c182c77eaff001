"""AS101 and AS103 for Django views whose own guard was switched off by commenting it out.

Django's views are not routes of the inventory (the route rules do not see them), but one piece of evidence needs
no model of the site at all: a view whose sign-in requirement is there in the source, commented out —
``# @login_required`` or ``# @method_decorator(login_required, ...)`` just above it, or
``# if not request.user.is_authenticated:`` in its body — and nothing else left in force that requires a sign-in.
The author wrote down that the view needs a signed-in caller and then disabled it; anyone may now call it. The same
for a disabled role check (``# @permission_required``, ``# @staff_member_required``, ``# if request.user.is_staff``,
or the project's own helper, ``# if is_admin(username):``) with no role check left in force: AS103.

Only the comment lines directly above the view (up to a blank-free run of comments) and inside its body count;
a function commented out as a whole is not a view and is not read.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.frameworks.django import uses_django
from apishield.audit.rules.base import at
from apishield.audit.rules.missing import MISSING_AUTH
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.audit.rules.roles import NO_ROLE
from apishield.findings import Finding, Rule, Severity

_SIGN_IN_DECORATOR = re.compile(r"^\s*#\s*@\s*(?:[\w.]+\.)?(?:login_required|method_decorator\(\s*login_required)\b")
_ROLE_DECORATOR = re.compile(r"^\s*#\s*@\s*(?:[\w.]+\.)?(?:permission_required|user_passes_test|staff_member_required|"
                             r"superuser_required|method_decorator\(\s*(?:permission_required|user_passes_test|"
                             r"staff_member_required))\b")
_SIGN_IN_TEST = re.compile(r"^\s*#\s*(?:if|elif|assert)\b.*\b(?:is_authenticated|is_anonymous)\b")
#: the project's own role test (``is_admin(user)``, ``user.is_admin``, ``has_role(...)``)
_ROLE_HELPER = r"is_admin|is_administrator|is_moderator|has_role|check_admin|check_role|user_is_admin"
_ROLE_TEST = re.compile(rf"^\s*#\s*(?:if|elif|assert)\b.*\b(?:is_staff|is_superuser|has_perms?|{_ROLE_HELPER})\b")
#: what requires a sign-in or a role while in force
_SIGNED_IN = re.compile(r"login_required|LoginRequiredMixin|is_authenticated|is_anonymous|IsAuthenticated|"
                        r"permission_required|PermissionRequiredMixin|user_passes_test|staff_member_required|"
                        r"superuser_required|UserPassesTestMixin|permission_classes")
_ROLE = re.compile(r"is_staff|is_superuser|has_perms?\b|permission_required|PermissionRequiredMixin|"
                   r"user_passes_test|UserPassesTestMixin|staff_member_required|superuser_required|IsAdminUser|"
                   rf"\b(?:{_ROLE_HELPER})\b")
_ABOVE = 8  # comment lines read above a view's first decorator
_COMMENTED_CODE = re.compile(r"#\s*(?:async\s+def|def|class|return)\b")
#: a class-based view: a base class named for a view or a viewset (``generic.DetailView``, ``APIView``)
_VIEW_BASE = re.compile(r"(?:View|ViewSet|Mixin)$")


def _comments_above(lines: list[str], first: int) -> list[tuple[int, str]]:
    """The comment lines directly above line ``first`` (1-based), nearest first: blank lines are passed over, code
    or a commented-out ``def``/``class``/``return`` (another function disabled as a whole) ends the run."""
    out: list[tuple[int, str]] = []
    number = first - 1
    while number >= 1 and len(out) < _ABOVE:
        text = lines[number - 1].strip()
        if text and (not text.startswith("#") or _COMMENTED_CODE.match(text)):
            break
        if text:
            out.append((number, lines[number - 1]))
        number -= 1
    return out


def _in_force(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, guard: re.Pattern[str]) -> bool:
    """A guard that runs: a decorator, a base class (a mixin), a class attribute (``permission_classes``) or a
    condition tested in the body. A value merely passed on (``{'authenticated': request.user.is_authenticated}``
    to a template) guards nothing."""
    parts: list[ast.AST] = [*node.decorator_list, *(node.bases if isinstance(node, ast.ClassDef) else [])]
    if isinstance(node, ast.ClassDef):
        parts += [s for s in node.body if isinstance(s, (ast.Assign, ast.AnnAssign))]
    parts += [n.test for n in ast.walk(node) if isinstance(n, (ast.If, ast.IfExp, ast.While, ast.Assert))]
    return any(guard.search(ast.unparse(p)) for p in parts)


def _disabled(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
              decorator: re.Pattern[str], test: re.Pattern[str]) -> int:
    """The line of a guard commented out above or between ``node``'s decorators, or (functions) in its body;
    0 when there is none."""
    first = min([d.lineno for d in node.decorator_list] + [node.lineno])
    places = _comments_above(lines, first) + [
        (n, lines[n - 1]) for n in range(first, node.lineno) if lines[n - 1].lstrip().startswith("#")]
    for number, text in places:
        if decorator.match(text):
            return number
    if isinstance(node, ast.ClassDef):
        return 0
    for number in range(node.lineno + 1, (node.end_lineno or node.lineno) + 1):
        if test.match(lines[number - 1]) or decorator.match(lines[number - 1]):
            return number
    return 0


def _views(ctx: ModuleContext) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]]:
    facts = ctx.facts.get("framework_facts")
    views = facts.flags.get("views") if facts is not None else None
    if not views and not uses_django(ctx.facts.get("imports") or {}):
        return
    views = views or {}
    named = {v.split(".")[0] for v in views}
    for node in ctx.tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        view_class = isinstance(node, ast.ClassDef) and any(_VIEW_BASE.search(au.dotted(b)) for b in node.bases)
        if node.name in named or view_class:
            yield node.name, node


def _report(ctx: ModuleContext, rule_: Rule, decorator: re.Pattern[str], test: re.Pattern[str],
            in_force: re.Pattern[str], what: str) -> Iterator[Finding]:
    for name, node in _views(ctx):
        line = _disabled(ctx.lines, node, decorator, test)
        if not line or _in_force(node, in_force):
            continue
        yield at(rule_, ctx.path, ctx.lines, line, f"view {name}: its {what} is commented out here, and nothing else "
                 "in force requires it", severity=Severity.MEDIUM)


@rule(MISSING_AUTH)
def check_django_disabled_sign_in(ctx: ModuleContext) -> Iterator[Finding]:
    """AS101 — a Django view whose ``@login_required`` (or ``is_authenticated`` test) is commented out, with no
    other sign-in requirement in force on it: anyone may call it. Medium, at the commented-out line."""
    if "#" not in ctx.source or ("login_required" not in ctx.source and "is_authenticated" not in ctx.source):
        return
    yield from _report(ctx, MISSING_AUTH, _SIGN_IN_DECORATOR, _SIGN_IN_TEST, _SIGNED_IN, "sign-in requirement")


@rule(NO_ROLE)
def check_django_disabled_role(ctx: ModuleContext) -> Iterator[Finding]:
    """AS103 — a Django view whose role check (``@permission_required``, ``@staff_member_required``, an
    ``is_staff``/``is_superuser`` test) is commented out, with no other role check in force on it. Medium, at the
    commented-out line."""
    if "#" not in ctx.source or not _ROLE.search(ctx.source):
        return
    yield from _report(ctx, NO_ROLE, _ROLE_DECORATOR, _ROLE_TEST, _ROLE, "role check")


__all__ = ["check_django_disabled_role", "check_django_disabled_sign_in"]
