"""What a template render call is given: the template's name and its variables by name.

One reading for every way of rendering a named template with a context: Django's ``render(request, name, ctx)``
and ``render_to_string(name, ctx)``, Starlette's ``TemplateResponse(name, ctx)``, and a template loaded first and
rendered after (``loader.get_template(name).render(ctx, request)``), whose loaded value carries its name in its
kind (``template:<name>``).
"""

from __future__ import annotations

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
        named = [positional[0]] if positional else [kwargs["name"]] if "name" in kwargs else []
    if context is None:
        return named, {}
    if context.items is not None:  # a dict literal: each variable known by name
        return named, {k: v for k, v in context.items if isinstance(k, str)}
    return named, {"": context}


__all__ = ["TEMPLATE_LOADERS", "loaded_template", "render_context"]
