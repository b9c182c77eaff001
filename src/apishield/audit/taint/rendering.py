"""What a view answers with: the template a render call is given, with its variables by name, and the parent
view's own answer in a class-based view of a framework that renders for it.

One reading for every way of rendering a named template with a context: Django's ``render(request, name, ctx)``
and ``render_to_string(name, ctx)``, Starlette's ``TemplateResponse(name, ctx)``, and a template loaded first and
rendered after (``loader.get_template(name).render(ctx, request)``), whose loaded value carries its name in its
kind (``template:<name>``).
"""

from __future__ import annotations

import ast
from collections.abc import Collection

from apishield.audit.taint.values import Val, const

#: loaders of a named template whose result is rendered later with ``.render(context)``
TEMPLATE_LOADERS = frozenset({"django.template.loader.get_template", "django.template.loader.select_template"})


def loaded_template(args: list[Val]) -> Val:
    """The value a loader returns: the template, known by its name when the name is a constant."""
    name = args[0].const if args and args[0].is_const and isinstance(args[0].const, str) else ""
    return Val(kind=f"template:{name}")


def render_context(args: list[Val], kwargs: dict[str, Val], receiver: Val | None) -> tuple[list[Val], dict[str, Val]]:
    """(the template's name, if known; its variables by name, ``""`` for a context built elsewhere)."""
    if receiver is not None and receiver.kind.startswith("template:"):
        name = receiver.kind.partition(":")[2]
        named = [const(name)] if name else []
        context = args[0] if args else kwargs.get("context")
    else:
        positional = args[1:] if args and args[0].kind == "request" else args  # (request, name, context)
        context = positional[1] if len(positional) > 1 else kwargs.get("context")
        named = [positional[0]] if positional else [kwargs[k] for k in ("name", "template", "template_name")
                                                      if k in kwargs][:1]
    if context is None:
        return named, {}
    if context.items is not None:  # a dict literal: each variable known by name
        return named, {k: v for k, v in context.items if isinstance(k, str)}
    return named, {"": context}


#: frameworks whose class-based views answer through their own response classes: ``super().list(request, ...)`` in
#: a DRF viewset or Django generic view returns the framework's serialised or rendered response, not a page of text
CLASS_VIEW_LIBRARIES = ("rest_framework", "django", "ninja")


def inherited_view_answer(func: ast.expr, imports: dict[str, str], own: Collection[str] | None = None) -> bool:
    """In a module of :data:`CLASS_VIEW_LIBRARIES`, the parent view's own answer (``super().<method>(...)``, or an
    inherited ``self.<method>(...)``), or any pagination object's ``get_paginated_response(data)``: the library
    answers through its renderers and templates."""
    if not (isinstance(func, ast.Attribute) and any(v.split(".", 1)[0] in CLASS_VIEW_LIBRARIES
                                                    for v in imports.values())):
        return False
    if func.attr == "get_paginated_response":
        return True
    if isinstance(func.value, ast.Name) and func.value.id == "self":
        return own is not None and func.attr not in own
    return isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name) and func.value.func.id == "super"


__all__ = ["CLASS_VIEW_LIBRARIES", "TEMPLATE_LOADERS", "inherited_view_answer", "loaded_template", "render_context"]
