"""AS806 for static file routes: a folder served with its symbolic links followed.

aiohttp's ``web.static(prefix, folder, follow_symlinks=True)`` (``router.add_static(...)``) skips, before 3.9.2,
the check that the requested path stays inside the folder (CVE-2024-23334): ``/static/../../etc/passwd`` is served.
On every version a link inside the folder serves whatever it points at. The option is off by default.
"""

from __future__ import annotations

from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules.base import at_node, imports, is_test_code
from apishield.audit.rules.injection import PATH
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Finding

_STATIC_ROUTES = frozenset({"static", "add_static"})


@rule(PATH)
def check_static_symlinks(ctx: ModuleContext) -> Iterator[Finding]:
    """AS806 — an aiohttp static route with ``follow_symlinks=True``."""
    if is_test_code(ctx.path) or not au.mentions(ctx, ("follow_symlinks",)):
        return
    imp = imports(ctx)
    for call in au.calls(ctx.tree):
        name = au.call_name(call, imp)
        aiohttp_route = (au.last(name) in _STATIC_ROUTES and "aiohttp" in name) or au.last(name) == "add_static"
        if aiohttp_route and au.is_true(au.kwarg(call, "follow_symlinks")):
            yield at_node(PATH, ctx, call, f"{au.last(name)}(..., follow_symlinks=True): aiohttp before 3.9.2 "
                          "then serves paths outside the folder (`/static/../../etc/passwd`, CVE-2024-23334), "
                          "and any version serves what a link inside points at")


__all__ = ["check_static_symlinks"]
