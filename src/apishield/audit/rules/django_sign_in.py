"""AS202 for Django sites: a sign-in that any client may try without limit.

Django counts no failed logins: its ``LoginView``, ``authenticate()`` or ``check_password()`` on posted credentials
in a view or a REST framework serializer's ``validate()`` of the project's own, and the REST framework's token views
answer every guess. A site is limited when a limiter is installed and on (django-axes,
django-defender, django-ratelimit, brutebuster in ``INSTALLED_APPS`` or ``MIDDLEWARE``, axes not switched off by
``AXES_ENABLED = False``), when the view carries a limiting decorator (``@ratelimit``, ``@axes_dispatch``,
``@watch_login``, any ``*throttle*``/``*limit*`` decorator), when a REST framework view (or the view that uses a
signing-in serializer) has ``throttle_classes``
or the settings name ``DEFAULT_THROTTLE_CLASSES``, or when the view itself refuses after a number of failures kept
anywhere but in the client's own session (a counter in ``request.session`` is reset by dropping the cookie).

Where it is reported: where the limiter was switched off, if it was (``AXES_ENABLED = False``, or its middleware
commented out of ``MIDDLEWARE``), once for the site; otherwise at each sign-in: the view's password check, or the URL
configuration's line that serves ``LoginView``, ``django.contrib.auth.urls`` or a token view. The admin's login
is every Django site's and is not reported. A view that checks the current password of a signed-in user
(``@login_required``) is a password change, not a sign-in.

Projects of many modules are analysed in worker processes, so each module leaves what the project check needs in
its facts: its sign-ins, and, for settings, the state of the limiter.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import NamedTuple

from apishield.audit import astutil as au
from apishield.audit.frameworks.django import uses_django
from apishield.audit.rules._django_settings import commented_out, settings
from apishield.audit.rules.base import at
from apishield.audit.rules.missing import AUTH_NO_RATE
from apishield.audit.rules.passwords import SQL_SIGN_IN, RequestPasswords, function_statements, sql_text
from apishield.audit.rules.registry import ModuleContext, ProjectContext, rule
from apishield.audit.taint.catalogue import SQL_RUNNERS
from apishield.findings import Finding

#: packages that count failed sign-ins and refuse after a number of them
_LIMITERS = re.compile(r"^(?:axes|defender|django_ratelimit|ratelimit|brutebuster|django_brute_force|"
                       r"django_login_lockout|lockout)(?:\.|$)")
#: the limiters' middleware, as a settings module lists it (commented out, the limiter is off)
_LIMITER_MIDDLEWARE = ("axes.middleware", "defender.middleware", "ratelimit.middleware", "brutebuster.middleware")
_LIMITING_DECORATOR = re.compile(r"ratelimit|axes_dispatch|watch_login|throttl|limit", re.IGNORECASE)
#: URL configuration entries that serve a sign-in: Django's own views, the REST framework's and its add-ons'
_SIGN_IN_VIEWS = frozenset({"LoginView", "login", "obtain_auth_token", "ObtainAuthToken", "TokenObtainPairView",
                            "TokenObtainSlidingView", "TokenObtainView", "obtain_jwt_token"})
_SIGN_IN_PACKAGES = frozenset({"django", "rest_framework", "rest_framework_simplejwt", "rest_framework_jwt", "knox",
                               "dj_rest_auth", "rest_auth"})
_SIGN_IN_URLS = frozenset({"django.contrib.auth.urls", "dj_rest_auth.urls", "rest_auth.urls"})
_REST_VIEWS = frozenset({"obtain_auth_token", "ObtainAuthToken", "TokenObtainPairView", "TokenObtainSlidingView",
                         "TokenObtainView", "obtain_jwt_token", "dj_rest_auth.urls", "rest_auth.urls"})
#: a count of failures compared with a number: the view refuses after some
_FAILURE_COUNT = re.compile(r"attempt|fail|lock|tries|retr", re.IGNORECASE)
#: a REST framework view's own throttle
_THROTTLE_ATTRS = re.compile(r"throttle_(?:classes|scope)")
#: serializers that re-check a signed-in user's password before a change, not a sign-in
_CHANGE = re.compile(r"change|reset|update|delete|deactivat|confirm|current|old", re.IGNORECASE)


class SignIn(NamedTuple):
    """A place that takes a password: its line, how to name it, and whether a REST framework throttle applies."""

    line: int
    name: str
    rest: bool
    serializer: str = ""  # a REST framework serializer's class name, when the check is in its ``validate()``


class Limiter(NamedTuple):
    """What a settings module says of attempt limiting: installed and on, or where it was switched off."""

    installed: bool
    off_line: int  # ``AXES_ENABLED = False``, or the limiter's middleware commented out; 0 when neither
    rest_throttle: bool


def _decorator_names(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> list[str]:
    return [ast.unparse(d) for d in node.decorator_list]


def _checks_password(fn: ast.AST, imports: au.Imports) -> ast.Call | None:
    """The call that checks the password: ``authenticate()`` or ``check_password()`` on posted credentials, or a
    library's sign-in view run from the view (``LoginView.as_view(...)(request)``)."""
    found = _password_check(fn)
    if found is not None:
        return found
    for call in au.calls(fn):
        target = call.func
        if isinstance(target, ast.Attribute) and target.attr == "as_view":
            qualified = au.qualname(target.value, imports)
            if qualified.split(".")[0] in _SIGN_IN_PACKAGES and au.last(qualified) in _SIGN_IN_VIEWS:
                return call
    return None


def _refuses_after_failures(fn: ast.AST) -> bool:
    """The view compares a failure count with a number, and the count is not kept in the client's session."""
    for node in au.walk(fn):
        if not isinstance(node, ast.Compare):
            continue
        text = ast.unparse(node)
        if _FAILURE_COUNT.search(text) and "session" not in text and any(
                isinstance(c, ast.Constant) and isinstance(c.value, int) and not isinstance(c.value, bool)
                for c in [node.left, *node.comparators]):
            return True
    return False


def _sign_in_views(ctx: ModuleContext, imports: au.Imports) -> Iterator[SignIn]:
    """Functions and methods of the module that check a posted password (``authenticate()``, or Django's
    ``LoginView`` run from the view), at the line of that check. A view behind ``@login_required`` or named for
    the password checks a signed-in user's current password before a change; ``authenticate(request)`` without
    credentials is an authentication class reading a token."""
    if not any(word in ctx.source for word in ("authenticate", "as_view", "check_password", "SELECT", "select")):
        return
    scopes: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.ClassDef | None]] = []
    for stmt in ctx.tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scopes.append((stmt, None))
        elif isinstance(stmt, ast.ClassDef):
            scopes += [(m, stmt) for m in stmt.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for fn, cls in scopes:
        params = [a.arg for a in fn.args.args]
        backend = fn.name == "authenticate" or (cls is not None and any(
            au.last(au.dotted(b)).endswith("Backend") for b in cls.bases))  # reported where its sign-in is served
        check = _checks_password(fn, imports) if "request" in params[:2] and not backend else None
        if check is None:
            continue
        decorators = _decorator_names(fn) + (_decorator_names(cls) if cls is not None else [])
        if any("login_required" in d or "IsAuthenticated" in d or _LIMITING_DECORATOR.search(d) for d in decorators):
            continue
        if re.search("logout|password", fn.name, re.IGNORECASE) or _refuses_after_failures(fn):
            # a view named for the password checks the current one before changing it
            continue
        if _creates_account_before(fn, check.lineno):
            continue  # a sign-up signing in the account it just made, with the password the caller chose for it
        body = ast.unparse(cls) if cls is not None else ""
        if cls is not None and (_THROTTLE_ATTRS.search(body) or re.search(
                r"permission_classes\s*=[^\n]*IsAuthenticated\b", body)):  # a signed-in user's own password
            continue
        rest = cls is not None and any(au.last(au.dotted(b)) in {"APIView", "GenericAPIView", "ViewSet",
                                                                   "GenericViewSet"} for b in cls.bases)
        name = f"{cls.name}.{fn.name}" if cls is not None else fn.name
        yield SignIn(check.lineno, f"view {name}()", rest)


#: calls that make a new account (a registration form's ``save()``, ``create_user``, ``User.objects.create``)
_NEW_ACCOUNT = re.compile(r"(?:^|\.)(?:create_user|create_superuser)\(|\bform\.save\(|\bUser\.objects\.create\(")


def _creates_account_before(fn: ast.AST, line: int) -> bool:
    """The view makes the account before it checks the password: a sign-up that signs its own new account in, so
    repeating the request guesses nothing."""
    return any(call.lineno < line and _NEW_ACCOUNT.search(ast.unparse(call)) for call in au.calls(fn))


def _password_check(fn: ast.AST) -> ast.Call | None:
    """A check of a posted password against a stored account: ``authenticate(username=..., password=...)``,
    Django's ``check_password(raw, user.password)`` or ``user.check_password(raw)`` — unless it is the signed-in
    user's own (``request.user``, ``self.context``) or a current/old password re-entered before a change."""
    passwords: RequestPasswords | None = None  # learnt once, at the first SQL runner
    for call in au.calls(fn):
        name = au.last(au.dotted(call.func))
        text = ast.unparse(call)
        if _CHANGE.search(text):
            continue
        if name == "authenticate" and any(k.arg is None or "password" in k.arg for k in call.keywords):
            return call
        if name in SQL_RUNNERS and isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            passwords = passwords or _learnt(fn)
            if passwords.raw and (sql := passwords.query(call)) is not None and SQL_SIGN_IN.search(sql_text(sql)):
                return call  # the view's own query picks the account by the typed password: a sign-in written as SQL
        if name != "check_password" or not isinstance(call.func, ast.Attribute | ast.Name):
            continue
        if len(call.args) == 2 or (len(call.args) == 1 and isinstance(call.func, ast.Attribute) and not any(
                word in ast.unparse(call.func.value) for word in ("request", "context"))):
            return call
    return None


def _learnt(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> RequestPasswords:
    """The view's posted passwords and the SQL texts its locals hold (``query = f"SELECT ..."``)."""
    passwords = RequestPasswords(fn)
    for stmt in function_statements(fn):
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            passwords.learn(stmt)
    return passwords


def _serializer_sign_ins(ctx: ModuleContext) -> Iterator[SignIn]:
    """REST framework serializers whose ``validate()`` checks a posted password: the sign-in view only hands the
    request's data to them, so the serializer is where the guesses are answered."""
    if "check_password" not in ctx.source and "authenticate" not in ctx.source:
        return
    for cls in ctx.tree.body:
        if not isinstance(cls, ast.ClassDef) or _CHANGE.search(cls.name) or not any(
                au.last(au.dotted(b)).endswith("Serializer") for b in cls.bases):
            continue
        for fn in cls.body:
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) and fn.name.startswith("validate") and (
                    check := _password_check(fn)) is not None and not _refuses_after_failures(fn):
                yield SignIn(check.lineno, f"serializer {cls.name}.{fn.name}()", True, cls.name)
                break


def _throttled_names(ctx: ModuleContext) -> frozenset[str]:
    """Names used inside the module's throttled views (a class with ``throttle_classes``/``throttle_scope`` or a
    limiting decorator): a serializer named there is behind that view's throttle."""
    names: set[str] = set()
    for node in ctx.tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            decorators = _decorator_names(node)
            text = ast.unparse(node) if isinstance(node, ast.ClassDef) else ""
            if _THROTTLE_ATTRS.search(text) or any(
                    _LIMITING_DECORATOR.search(d) for d in decorators):
                names.update(n.id for n in au.walk(node) if isinstance(n, ast.Name))
    return frozenset(names)


def _url_sign_ins(ctx: ModuleContext, imports: au.Imports) -> Iterator[SignIn]:
    """Lines of a URL configuration that serve Django's or the REST framework's sign-in views."""
    if "urlpatterns" not in ctx.source:
        return
    for call in au.calls(ctx.tree):
        if au.last(au.dotted(call.func)) not in {"path", "re_path", "url"} or len(call.args) < 2:
            continue
        view = call.args[1]
        if isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute) and view.func.attr == "as_view":
            view = view.func.value
        qualified = au.qualname(view, imports) if isinstance(view, (ast.Name, ast.Attribute)) else ""
        # the libraries' views only: a view of the project's own named ``login`` is read where it is defined
        name = au.last(qualified) if qualified.split(".")[0] in _SIGN_IN_PACKAGES else ""
        if isinstance(view, ast.Call) and au.last(au.dotted(view.func)) == "include":
            name = (au.str_const(view.args[0]) if view.args else None) or ""
        if name in _SIGN_IN_VIEWS or name in _SIGN_IN_URLS:
            yield SignIn(call.lineno, f"the URL configuration's {name}", name in _REST_VIEWS)


def _limiter(ctx: ModuleContext) -> Limiter | None:
    found = settings(ctx.tree, ctx.path)
    if not found:
        return None
    installed = False
    for key in ("INSTALLED_APPS", "MIDDLEWARE", "MIDDLEWARE_CLASSES", "AUTHENTICATION_BACKENDS"):
        node = found.get(key)
        if node is not None and any(_LIMITERS.match(e) for e in au.strings_in(node.value)):
            installed = True
    off = 0
    enabled = found.get("AXES_ENABLED")
    if installed and enabled is not None and isinstance(enabled.value, ast.Constant) and enabled.value.value is False:
        off = enabled.lineno
    middleware = found.get("MIDDLEWARE") or found.get("MIDDLEWARE_CLASSES")
    if not installed and middleware is not None:
        places = [commented_out(ctx, middleware, entry) for entry in _LIMITER_MIDDLEWARE]
        off = min((getattr(p, "lineno", 0) for p in places if p is not middleware), default=0)
    rest = "DEFAULT_THROTTLE_CLASSES" in ctx.source and "REST_FRAMEWORK" in found
    return Limiter(installed and not off, off, rest)


@rule(AUTH_NO_RATE)
def collect_django_sign_ins(ctx: ModuleContext) -> Iterator[Finding]:
    """AS202 (Django, module part) — finds nothing itself: it leaves the module's sign-ins and its settings'
    attempt limiter in the module's facts for the project check."""
    limiter = _limiter(ctx)  # settings modules seldom import Django
    imports = ctx.facts.get("imports") or au.import_map(ctx.tree)
    if uses_django(imports) or "urlpatterns" in ctx.source:
        ctx.facts["django_sign_ins"] = [*_sign_in_views(ctx, imports), *_url_sign_ins(ctx, imports),
                                        *_serializer_sign_ins(ctx)]
        ctx.facts["django_throttled"] = _throttled_names(ctx)
    if limiter is not None:
        ctx.facts["django_limiter"] = limiter
    return iter(())


@rule(AUTH_NO_RATE, scope="project")
def check_django_sign_ins(project: ProjectContext) -> Iterator[Finding]:
    """AS202 — a Django sign-in (``LoginView``, ``authenticate()`` in a view of the project's own, a REST
    framework token view) with no attempt limit: no limiter installed and on, no limiting decorator or throttle,
    no refusal after a number of failures kept outside the client's session. Reported where the limiter was
    switched off, else at each sign-in."""
    signs = [(m, s) for m in sorted(project.modules, key=lambda m: m.path) for s in m.facts.get("django_sign_ins", ())]
    if not signs:
        return
    limiters = [(m, lim) for m in project.modules if (lim := m.facts.get("django_limiter")) is not None]
    if any(lim.installed for _, lim in limiters):
        return
    rest_throttle = any(lim.rest_throttle for _, lim in limiters)
    throttled = frozenset().union(*(m.facts.get("django_throttled", frozenset()) for m in project.modules))
    open_signs = [(m, s) for m, s in signs if not (s.rest and rest_throttle) and s.serializer not in throttled]
    if not open_signs:
        return
    names = ", ".join(dict.fromkeys(s.name for _, s in open_signs))
    switched_off = [(m, lim) for m, lim in sorted(limiters, key=lambda p: p[0].path) if lim.off_line]
    if switched_off:
        module, lim = switched_off[0]
        yield at(AUTH_NO_RATE, module.path, module.lines, lim.off_line,
                 f"the site's login attempt limiter is switched off here, so {names} accept any number of guesses")
        return
    for module, sign in open_signs:
        yield at(AUTH_NO_RATE, module.path, module.lines, sign.line,
                 f"{sign.name} checks passwords with no attempt limit (Django counts no failed logins; nothing "
                 "installed or written here refuses after repeated failures)")


__all__ = ["check_django_sign_ins", "collect_django_sign_ins"]
