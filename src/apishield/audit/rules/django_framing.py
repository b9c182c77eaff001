"""AS304 for Django sites: a ``MIDDLEWARE`` list without ``XFrameOptionsMiddleware``.

Django sends ``X-Frame-Options`` only through that middleware, which every new project's settings list; a site
that drops it lets any other site frame its pages, and a framed page with the victim's session cookie is what a
clickjacking attack needs. A list that installs another way to forbid framing (a CSP middleware, a middleware of
the project's own that sets headers) is left alone, as are settings written for the test run. Django REST
framework sites answer JSON that no browser renders in a frame, but the admin and any template pages still do:
reported low there.
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


__all__ = ["check_django_framing"]
