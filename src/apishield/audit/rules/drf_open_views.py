"""AS101 for Django REST framework views that anyone may call and that change data or list people's records.

Django's views are not routes of the inventory, but a DRF view says who may call it in one place the code shows:
its ``permission_classes``, or, when it sets none, the project's ``REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]`` —
whose own default is ``AllowAny``. A view is open when its classes are empty or only ``AllowAny``, or when it names
none and the project's default is open (no ``DEFAULT_PERMISSION_CLASSES``, an empty one, or ``AllowAny``). It is
reported when, open, it

* changes stored data: a write method of its own (``post``, ``put``, ``patch``, ``delete``, ``create``, ``update``,
  ``destroy``, ``perform_*``) that saves, creates, updates or deletes, or a generic view or viewset whose class
  brings updates or deletes (``ModelViewSet``, ``RetrieveUpdateDestroyAPIView`` …) unless ``http_method_names``
  keeps it to reads; or
* lists people's records to anyone: a read of all users, customers, employees, orders, payments …
  (``User.objects.all()``, ``queryset = Order.objects.all()``).

What stays quiet: a view with a permission class of any other kind or a ``get_permissions`` of its own (the project
decides), a class deriving from a project base class (its permissions are not in view), a method that tests the
caller itself or acts as the caller (``request.user``, ``request.auth``, ``PermissionDenied``: an anonymous caller is
refused or its write fails), a generic create alone (the new object's owner is most often required), sign-in,
registration, token, password-reset, confirmation, health and webhook views (public by nature), a settings value
built at run time (unknown: no finding), and test code.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.frameworks.common import classify_name
from apishield.audit.frameworks.django import declared_permissions, permission_class_names
from apishield.audit.model import AUTH
from apishield.audit.rules.base import at_node, imports, is_sample_code
from apishield.audit.rules.missing import MISSING_AUTH
from apishield.audit.rules.registry import ModuleContext, ProjectContext, rule
from apishield.findings import Finding, Severity

#: DRF's view classes (``rest_framework.views``, ``.generics``, ``.viewsets``)
_DRF_VIEWS = re.compile(r"^rest_framework\.(?:views|generics|viewsets)\.\w+$")
#: generic views and viewsets whose class brings write methods
#: (a create alone is left out: the new object's owner is most often required, and an anonymous create fails)
_WRITING_BASES = re.compile(r"^(?:ModelViewSet|\w*(?:Update|Destroy)\w*APIView)$")
_WRITING_MIXINS = re.compile(r"^(?:Update|Destroy)ModelMixin$")
_WRITE_METHODS = frozenset({"post", "put", "patch", "delete", "create", "update", "partial_update", "destroy",
                            "perform_create", "perform_update", "perform_destroy"})
_READ_METHODS = frozenset({"get", "list", "retrieve"})
#: calls that change stored data
_WRITES = re.compile(r"(?:^|\.)(?:save|create|bulk_create|update|update_or_create|get_or_create|delete)$")
#: records of people, listed whole
_PEOPLE = re.compile(r"\b(?:User|Account|Customer|Member|Employee|Patient|Profile|Order|Payment|Invoice|Transaction|"
                     r"Message|Address|Card)s?\.objects\.(?:all|filter|values|values_list)\(")
#: views public by nature
_PUBLIC_NATURE = re.compile(r"(?i)create_?(?:user|account)|user_?create|log_?in|log_?out|sign_?(?:in|up|out)|regist|"
                            r"token|password|reset|forgot|verif|confirm|activat|health|ping|status|webhook|callback|oauth|captcha|contact")
#: a method that tests its caller itself
_TESTS_CALLER = re.compile(r"request\.user\b|is_authenticated|is_anonymous|request\.auth\b|PermissionDenied|"
                           r"NotAuthenticated|IsAuthenticated|has_perm|is_staff|is_superuser|HTTP_401|HTTP_403")
_OPEN_CLASSES = frozenset({"AllowAny"})


def project_default_open(project: ProjectContext) -> bool | None:
    """Whether a DRF view naming no permission classes is open to anyone in this project: ``True`` when no
    ``REST_FRAMEWORK`` setting names ``DEFAULT_PERMISSION_CLASSES`` (DRF's default is ``AllowAny``) or names only
    ``AllowAny``/nothing, ``False`` when it names another class, ``None`` when the setting is built at run time."""
    found: bool | None = True
    for module in project.modules:
        if is_sample_code(module.path) or "REST_FRAMEWORK" not in module.source:
            continue
        for node in module.tree.body:
            if not (isinstance(node, ast.Assign) and "REST_FRAMEWORK" in au.target_names(node)):
                continue
            if not isinstance(node.value, ast.Dict):
                return None
            for key, value in zip(node.value.keys, node.value.values, strict=True):
                if au.str_const(key) == "DEFAULT_PERMISSION_CLASSES":
                    names = permission_class_names(value)
                    if names is None:
                        return None
                    if names - _OPEN_CLASSES:
                        found = False
    return found


def _drf_class(cls: ast.ClassDef, imp: au.Imports) -> tuple[bool, set[str]]:
    """(every base is DRF's own or a mixin — no project base class hides permissions —, the bases' names) for a
    class with at least one DRF view base; ``(False, …)`` otherwise."""
    names = {au.last(au.dotted(b)) for b in cls.bases}
    qualified = [au.qualname(b, imp) for b in cls.bases]
    drf = any(_DRF_VIEWS.match(q) for q in qualified)
    own_bases = [q for q in qualified if not (q.startswith("rest_framework.") or q in {"object"})]
    return drf and not own_bases, names


def _writes(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(c, ast.Call) and _WRITES.search(au.dotted(c.func)) for c in au.walk(fn))


def _read_only(cls: ast.ClassDef) -> bool:
    for node in cls.body:
        if isinstance(node, ast.Assign) and "http_method_names" in au.target_names(node):
            return set(au.strings_in(node.value)) <= {"get", "head", "options"}
    return False


def _login_decorator(decorator: ast.expr) -> bool:
    """A decorator named for requiring a sign-in (``@jwt_auth_required``, ``@login_required``), also wrapped for a
    method by Django's ``@method_decorator(login_required)``."""
    if isinstance(decorator, ast.Call) and au.last(au.dotted(decorator.func)) == "method_decorator":
        return any(_login_decorator(a) for a in decorator.args)
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return AUTH in classify_name(au.dotted(target))


def _open_views(ctx: ModuleContext, default_open: bool) -> Iterator[Finding]:
    imp = imports(ctx)
    for cls in au.nodes_of(ctx.tree, ast.ClassDef):
        drf, bases = _drf_class(cls, imp)
        if not drf or _PUBLIC_NATURE.search(cls.name):
            continue
        permissions = declared_permissions(cls)
        explicit = permissions is not None
        if (permissions is not None and permissions - _OPEN_CLASSES) or (permissions is None and not default_open):
            continue
        methods = au.functions_by_name(cls.body)
        if "get_permissions" in methods or "check_permissions" in methods:
            continue
        why = "its permission_classes let anyone in" if explicit else \
            "it names no permission_classes and the project's DRF default lets anyone in"
        reported = False
        for name, method in methods.items():
            source = ast.unparse(method)
            if _TESTS_CALLER.search(source) or any(
                    "permission_classes" in ast.unparse(d) or _login_decorator(d) for d in method.decorator_list):
                continue  # a permission decorator, or a login decorator (``@jwt_auth_required``)
            if name in _WRITE_METHODS and _writes(method):
                yield at_node(MISSING_AUTH, ctx, method, f"DRF view {cls.name}.{name}() changes stored data and {why}",
                              severity=Severity.MEDIUM)
                reported = True
            elif name in _READ_METHODS and _PEOPLE.search(source):
                yield at_node(MISSING_AUTH, ctx, method, f"DRF view {cls.name}.{name}() lists people's records and "
                              f"{why}", severity=Severity.MEDIUM)
                reported = True
        if reported or _read_only(cls):
            continue
        brings_writes = any(_WRITING_BASES.match(b) or _WRITING_MIXINS.match(b) for b in bases)
        if brings_writes and not any(m in methods for m in ("create", "update", "destroy")):
            yield at_node(MISSING_AUTH, ctx, cls, f"DRF view {cls.name} takes writes from its generic base and {why}",
                          severity=Severity.MEDIUM)


@rule(MISSING_AUTH, scope="project")
def check_drf_open_views(project: ProjectContext) -> Iterator[Finding]:
    """AS101 — Django REST framework views open to anyone (``permission_classes`` empty or ``AllowAny``, or none
    with an open project default) that change stored data or list people's records."""
    modules = [m for m in project.modules if "rest_framework" in m.source and not is_sample_code(m.path)]
    if not modules:
        return
    default_open = project_default_open(project)
    if default_open is None:
        return
    for module in modules:
        yield from _open_views(module, default_open)


__all__ = ["check_drf_open_views", "project_default_open"]
