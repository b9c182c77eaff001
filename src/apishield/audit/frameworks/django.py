"""Django views for the taint analysis: which functions and methods of a module serve a request.

A view is a function or a class-based view referenced from a URL configuration (``path``, ``re_path``,
``url`` in a ``urls.py`` of the module's directory, one of its two parents or a package beside it: ``views.fn``,
an imported name, ``'pkg.views.fn'``, ``SomeView.as_view()``), a function with a Django or Django REST framework
view decorator (``@api_view``, ``@csrf_exempt``, ``@login_required``...), or a method of a class derived from a
Django or DRF view (``get``, ``post``... and the viewset actions). Its request object and its URL keyword
arguments carry the client's data, except arguments the URL pattern converts or restricts to a number or to the
letters, digits, ``-`` and ``_`` of a slug (``<int:id>``, ``<uuid:id>``, ``<slug:slug>``, ``(?P<id>\\d+)``): no quote,
separator, dot or markup can be in them.

Views are handlers for the taint analysis only: they are not routes of the inventory, so the authentication and
ownership rules do not see them (Django's ``login_required``, permission classes, mixins and middleware are not
modelled).
"""

from __future__ import annotations

import ast
import functools
import os
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.frameworks.common import listings_upwards
from apishield.audit.frameworks.table import FRAMEWORKS

_DJANGO = next(f for f in FRAMEWORKS if f.name == "django")
VIEW_METHODS = frozenset({
    "get", "post", "put", "patch", "delete", "head", "options",
    "list", "create", "retrieve", "update", "partial_update", "destroy",  # DRF viewsets
})
_TYPED_PATH = re.compile(r"<(?:int|uuid|slug):(\w+)>")
_NUMERIC_GROUP = re.compile(r"\(\?P<(\w+)>(?:\\d|\[0-9\])(?:\+|\*|\{[\d,]+\})?\)")
_MAX_URLCONF_BYTES = 1_000_000
Views = dict[str, frozenset[str]]  # "fn" or "Class.method" -> URL arguments that are numbers


def _library(qualified: str) -> bool:
    return qualified.split(".")[0] in _DJANGO.view_packages


def uses_django(imports: au.Imports) -> bool:
    return any(_library(v) for v in imports.values())


_MAX_SIBLINGS = 64


@functools.lru_cache(maxsize=256)
def _urlconfs(directory: str) -> tuple[str, ...]:
    """:func:`_urlconf_files`, listed once per directory (every module of a package asks for the same ones)."""
    return tuple(_urlconf_files(directory))


def _urlconf_files(directory: str) -> Iterator[str]:
    """``urls.py``, ``*_urls.py`` and ``urls/*.py`` in ``directory`` and its two parents, and ``urls.py`` of the
    packages beside ``directory`` (the project package's URL configuration naming an app's views)."""
    for level, folder, names in listings_upwards(directory, 3):
        for name in names:
            full = os.path.join(folder, name)
            if name.endswith(".py") and (name == "urls.py" or name.endswith("_urls.py")):
                yield full
            elif name == "urls" and os.path.isdir(full):
                yield from (os.path.join(full, n) for n in sorted(os.listdir(full)) if n.endswith(".py"))
            elif level == 1 and len(names) <= _MAX_SIBLINGS and os.path.isfile(os.path.join(full, "urls.py")):
                yield os.path.join(full, "urls.py")


def _module_files(urlconf: str, module: str) -> tuple[str, ...]:
    """Candidate file paths (or, for an absolute module, path suffixes) of ``module`` named in ``urlconf``."""
    if module.startswith("."):
        level = len(module) - len(module.lstrip("."))
        base = os.path.dirname(urlconf)
        for _ in range(level - 1):
            base = os.path.dirname(base)
        parts = [p for p in module.lstrip(".").split(".") if p]
        stem = os.path.join(base, *parts) if parts else base
        return (os.path.normpath(stem + ".py"), os.path.normpath(os.path.join(stem, "__init__.py")))
    stem = os.path.join(*module.split("."))  # a path suffix: the package root is not known
    return (stem + ".py", os.path.join(stem, "__init__.py"))


def _typed(route: ast.expr | None) -> frozenset[str]:
    text = au.str_const(route) or ""
    return frozenset(_TYPED_PATH.findall(text)) | frozenset(_NUMERIC_GROUP.findall(text))


@functools.lru_cache(maxsize=64)
def _references(urlconf: str) -> tuple[tuple[tuple[str, ...], str, frozenset[str]], ...]:
    """(module files, view name, numeric URL arguments) for every view a URL configuration names; a class-based
    view is named ``Class.*``."""
    try:
        if os.path.getsize(urlconf) > _MAX_URLCONF_BYTES:
            return ()
        tree = ast.parse(au.read_source(urlconf))
    except (OSError, SyntaxError, ValueError, RecursionError):
        return ()
    imports = au.import_map(tree)
    for imp in au.nodes_of(tree, ast.ImportFrom):
        if imp.level:  # ``from . import views``: one dot, the package of the URL configuration
            for alias in imp.names:
                imports[alias.asname or alias.name] = "." * imp.level + ".".join(
                    p for p in (imp.module, alias.name) if p)
    out: list[tuple[tuple[str, ...], str, frozenset[str]]] = []
    for call in au.calls(tree):
        name = au.qualname(call.func, imports)
        if name not in _DJANGO.url_functions:
            continue
        view = au.arg(call, 1, "view")
        suffix = ""
        if isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute) and view.func.attr == "as_view":
            view, suffix = view.func.value, ".*"
        if isinstance(view, ast.Constant) and isinstance(view.value, str) and "." in view.value:
            full = view.value  # ``'pkg.views.index'`` (Django before 1.10)
        elif isinstance(view, (ast.Name, ast.Attribute)):
            full = au.qualname(view, imports, strict=True)
        else:
            continue
        if "." not in full.lstrip("."):
            continue  # a function of the URL configuration itself, or an unresolved name
        module, _, target = full.rpartition(".")
        out.append((_module_files(urlconf, module), target + suffix, _typed(au.arg(call, 0, "route"))))
    return tuple(out)


def _is_module(abspath: str, files: tuple[str, ...]) -> bool:
    return any(abspath == f or (not os.path.isabs(f) and abspath.endswith(os.sep + f)) for f in files)


def _view_classes(tree: ast.Module, imports: au.Imports) -> set[str]:
    """Classes derived from a Django/DRF view, directly or through another such class of the module."""
    found: set[str] = set()
    classes = au.nodes_of(tree, ast.ClassDef)
    for _ in range(3):  # a few rounds reach subclasses declared before their bases
        for cls in classes:
            if cls.name not in found and any(
                    (_library(q := au.qualname(b, imports)) and au.last(q) in _DJANGO.view_bases)
                    or au.dotted(b) in found for b in cls.bases):
                found.add(cls.name)
    return found


def _decorated_view(fn: ast.FunctionDef | ast.AsyncFunctionDef, imports: au.Imports) -> bool:
    args = [*fn.args.posonlyargs, *fn.args.args]
    if not args or args[0].arg in {"self", "cls"}:
        return False
    for dec in fn.decorator_list:
        name = au.qualname(dec.func if isinstance(dec, ast.Call) else dec, imports)
        if _library(name) and au.last(name) in _DJANGO.view_decorators:
            return True
    return False


def forget() -> None:
    """Drop what was read of URL configurations and directories: a new audit reads the files as they are now."""
    _urlconfs.cache_clear()
    _references.cache_clear()


def views(tree: ast.Module, imports: au.Imports, abspath: str) -> Views:
    """The module's views (see the module docstring) with their numeric URL arguments."""
    out: Views = {}
    if not uses_django(imports):
        return out
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _decorated_view(node, imports):
            out[node.name] = frozenset()
    classes = {c.name: c for c in tree.body if isinstance(c, ast.ClassDef)}
    view_classes = _view_classes(tree, imports)
    routed: set[str] = set()
    if abspath:
        for urlconf in _urlconfs(os.path.dirname(os.path.abspath(abspath))):
            for files, target, typed in _references(urlconf):
                if not _is_module(os.path.abspath(abspath), files):
                    continue
                if target.endswith(".*"):
                    view_classes.add(target[:-2])
                    continue
                # the URL patterns naming a view decide its numeric arguments (all of them must convert one); a view
                # known only by its decorator so far has none known yet, not none at all
                out[target] = out[target] & typed if target in routed else typed
                routed.add(target)
    for name in view_classes:
        cls = classes.get(name)
        for m in cls.body if cls is not None else ():
            if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                    m.name in VIEW_METHODS or any(au.last(au.dotted(d.func if isinstance(d, ast.Call) else d))
                                                  == "action" for d in m.decorator_list)):
                out[f"{name}.{m.name}"] = frozenset()
    return out


#: what :func:`declared_permissions` gives for a ``permission_classes`` built at run time (not a literal list)
COMPUTED = "<computed>"


def permission_class_names(value: ast.expr) -> set[str] | None:
    """The last names of the REST framework permission classes a literal list or tuple names (classes in a view,
    their dotted paths as text in the settings); ``None`` when the value is not a literal list."""
    if isinstance(value, (ast.List, ast.Tuple)):
        return {(au.str_const(e) or au.dotted(e)).rsplit(".", 1)[-1] for e in value.elts}
    return None


def declared_permissions(cls: ast.ClassDef) -> set[str] | None:
    """The permission classes a class-based view's own ``permission_classes`` names; ``None`` when the class sets
    none (its base's or the project's default applies), ``{COMPUTED}`` when the value is built at run time."""
    for node in cls.body:
        if isinstance(node, ast.Assign) and "permission_classes" in au.target_names(node):
            names = permission_class_names(node.value)
            return {COMPUTED} if names is None else names
    return None


__all__ = ["COMPUTED", "VIEW_METHODS", "Views", "declared_permissions", "forget", "permission_class_names",
           "uses_django", "views"]
