"""AS304 for Django sites: a ``MIDDLEWARE`` list without ``XFrameOptionsMiddleware``, and settings that switch off
a header Django sends by default.

Django sends ``X-Frame-Options`` only through that middleware, which every new project's settings list; a site
that drops it lets any other site frame its pages, and a framed page with the victim's session cookie is what a
clickjacking attack needs. A list that installs another way to forbid framing (a CSP middleware, a middleware of
the project's own that sets headers) is left alone, as are settings written for the test run. Django REST
framework sites answer JSON that no browser renders in a frame, but the admin and any template pages still do:
reported low there. ``SecurityMiddleware`` sends ``X-Content-Type-Options: nosniff``, a ``Referrer-Policy`` and a
``Cross-Origin-Opener-Policy`` unless the settings turn them off (``SECURE_CONTENT_TYPE_NOSNIFF = False``,
``SECURE_REFERRER_POLICY = None``, ``SECURE_CROSS_ORIGIN_OPENER_POLICY = None``); ``X_FRAME_OPTIONS = "ALLOWALL"``
or another value than ``DENY``/``SAMEORIGIN`` lets any site frame the pages. Settings that keep a default (HSTS off
until its seconds are set) say nothing a deployment will not set elsewhere, and are left alone.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules._django_settings import commented_out, installs_drf, settings
from apishield.audit.rules.base import at_node
from apishield.audit.rules.missing import NO_HEADERS
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Finding, Severity

#: an entry that may forbid framing in another way: a CSP or security-headers middleware, a frame option setter
_OTHER_WAY = re.compile(r"csp|(?<!cors)headers?|frame", re.IGNORECASE)


@rule(NO_HEADERS)
def check_django_framing(ctx: ModuleContext) -> Iterator[Finding]:
    """AS304 — a Django settings module whose literal ``MIDDLEWARE`` list runs sessions (a site people sign in
    to) and lacks ``XFrameOptionsMiddleware`` and any other entry that could forbid framing."""
    if "MIDDLEWARE" not in ctx.source:
        return
    found = settings(ctx.tree, ctx.path)
    node = found.get("MIDDLEWARE") or found.get("MIDDLEWARE_CLASSES")
    if node is None or not isinstance(node.value, (ast.List, ast.Tuple)):
        return
    entries = list(au.strings_in(node.value))
    if not any(e.endswith("SessionMiddleware") for e in entries) or any(
            e.endswith("XFrameOptionsMiddleware") or _OTHER_WAY.search(e) for e in entries):
        return
    drf = installs_drf(ctx.tree)
    yield at_node(NO_HEADERS, ctx, commented_out(ctx, node, "XFrameOptionsMiddleware"),
                  "Django MIDDLEWARE has no XFrameOptionsMiddleware: any site may frame these pages (clickjacking)"
                  + (" — JSON answers of Django REST framework are not at risk; the admin and template pages are"
                     if drf else ""),
                  **({"severity": Severity.LOW} if drf else {}))


#: settings whose secure default (Django 3.0 and later) the assigned value switches off
_DEFAULT_ON: dict[str, tuple[object, ...]] = {
    "SECURE_CONTENT_TYPE_NOSNIFF": (False,),
    "SECURE_REFERRER_POLICY": (None, "unsafe-url", ""),
    "SECURE_CROSS_ORIGIN_OPENER_POLICY": (None, "unsafe-none", ""),
}


@rule(NO_HEADERS)
def check_django_headers_switched_off(ctx: ModuleContext) -> Iterator[Finding]:
    """AS304 — a Django settings module that switches off a header ``SecurityMiddleware`` or
    ``XFrameOptionsMiddleware`` sends by default (``SECURE_CONTENT_TYPE_NOSNIFF = False``, ``X_FRAME_OPTIONS =
    "ALLOWALL"``); one finding per setting."""
    if "SECURE_" not in ctx.source and "X_FRAME_OPTIONS" not in ctx.source:
        return
    found = settings(ctx.tree, ctx.path)
    for name, off in _DEFAULT_ON.items():
        node = found.get(name)
        if node is not None and isinstance(node.value, ast.Constant) and node.value.value in off:
            yield at_node(NO_HEADERS, ctx, node, f"Django {name} = {node.value.value!r} switches off a security "
                          "header SecurityMiddleware sends by default")
    frame = found.get("X_FRAME_OPTIONS")
    value = au.str_const(frame.value) if frame is not None else None
    if frame is not None and value is not None and value.upper() not in {"DENY", "SAMEORIGIN"}:
        yield at_node(NO_HEADERS, ctx, frame, f"Django X_FRAME_OPTIONS = {value!r}: browsers ignore it and any "
                      "site may frame these pages (clickjacking)")


__all__ = ["check_django_framing", "check_django_headers_switched_off"]
