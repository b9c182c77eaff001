"""Static file routes: a folder served with its symbolic links followed (AS806), and a route whose whole work is
answering one fixed file (a page shell, public by nature for AS101).

aiohttp's ``web.static(prefix, folder, follow_symlinks=True)`` (``router.add_static(...)``) skips, before 3.9.2,
the check that the requested path stays inside the folder (CVE-2024-23334): ``/static/../../etc/passwd`` is served.
On every version a link inside the folder serves whatever it points at. The option is off by default.
"""

from __future__ import annotations

import ast
import textwrap
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


#: answers that send a file as it is on disk
_FILE_ANSWERS = frozenset({"FileResponse", "send_file", "send_from_directory", "static_file"})


def serves_fixed_file(body: str) -> bool:
    """The handler's whole work is answering one HTML page at a path it fixes itself (``return FileResponse(Path(
    __file__).parent / "dist/index.html")``): a single-page app's shell, whose content the static files give anyone.
    A path with a name in it that is not a constant (a parameter, the request) is not fixed, and a fixed file that is
    not a page (``send_file(DATABASE)``) is data, not a shell."""
    try:
        tree = ast.parse(textwrap.dedent(body))
    except SyntaxError:
        return False
    stmts = [s for s in tree.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(stmts) != 1 or not isinstance(stmts[0], ast.Return) or not isinstance(stmts[0].value, ast.Call):
        return False
    call = stmts[0].value
    names = {n.id for a in [*call.args, *(k.value for k in call.keywords)] for n in ast.walk(a)
             if isinstance(n, ast.Name)}
    texts = [c.value for a in call.args for c in ast.walk(a) if isinstance(c, ast.Constant)
             and isinstance(c.value, str)]
    page = any(t.endswith((".html", ".htm")) for t in texts)
    return au.last(au.dotted(call.func)) in _FILE_ANSWERS and page and all(
        n in {"__file__", "Path", "os", "path"} or n.isupper() for n in names)


__all__ = ["check_static_symlinks", "serves_fixed_file"]
