"""django-cors-headers' settings module switches: every origin allowed, with or without credentials (AS305, AS306).

A Django project opens CORS in its settings, not in a handler, so the rule reads the module's top-level assignments.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules.base import at_node, is_test_code
from apishield.audit.rules.registry import ModuleContext
from apishield.findings import Finding, Rule

#: django-cors-headers' switch that allows every origin (the name before its 3.0 release, and today's)
_DJANGO_ALLOW_ALL = ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")


def django_cors_settings(ctx: ModuleContext, target: Rule, credentials: bool,
                         fix: str | None) -> Iterator[Finding]:
    """django-cors-headers settings: ``CORS_ALLOW_ALL_ORIGINS = True`` (``CORS_ORIGIN_ALLOW_ALL``) at the top of a
    module other than test code; with ``CORS_ALLOW_CREDENTIALS = True`` in the same module the library answers every
    origin back with credentials allowed (AS305), else any origin (AS306). A value read from the environment is the
    deployment's choice."""
    if is_test_code(ctx.path):
        return
    assigned = {t.id: stmt for stmt in ctx.tree.body if isinstance(stmt, ast.Assign)
                for t in stmt.targets if isinstance(t, ast.Name)}
    allow_all = next((assigned[n] for n in _DJANGO_ALLOW_ALL if n in assigned and au.is_true(assigned[n].value)),
                     None)
    if allow_all is None:
        return
    creds = "CORS_ALLOW_CREDENTIALS" in assigned and au.is_true(assigned["CORS_ALLOW_CREDENTIALS"].value)
    if creds == credentials:
        name = next(t.id for t in allow_all.targets if isinstance(t, ast.Name))
        what = f"{name} = True with CORS_ALLOW_CREDENTIALS = True: every origin is answered back with credentials " \
               "allowed" if credentials else f"{name} = True allows any origin"
        yield at_node(target, ctx, allow_all, what, **({"fix": fix} if fix else {}))


__all__ = ["django_cors_settings"]
