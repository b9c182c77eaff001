"""Whether a URL given to a redirect or an outbound request has its site fixed by the code itself.

Request data after a fixed ``scheme://host/`` — written in the code, or a configured base URL followed by a literal
path — chooses a page on that site, not the site (no SSRF, no open redirect);
for a redirect, a fixed local path (``/users/``), the page being served (``request.url``) or a path this
application builds from a route's name (Django's ``reverse('payment-failure')``, Flask's ``url_for('index')``)
keeps the browser on this site whatever the query string appended to it says. A local name holding the URL is
followed to every assignment of it, each of which must be fixed (``+=`` only appends, so the start stays the same).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from apishield.audit import astutil as au
from apishield.audit.taint.catalogue import FIXED_HOST, LOCAL_PATH, SANITISERS, leading_piece, own_page

#: how the caller evaluates an expression to its constant, and resolves a callee to its qualified name
ConstEval = Callable[[ast.AST], Any]
Qualify = Callable[[ast.expr], str]


def _assignments(name: str, fn: ast.AST) -> list[ast.expr]:
    """The values of every plain assignment of ``name`` in ``fn`` (augmented ``+=`` ones only append to them);
    none when something else binds it (a loop, ``-=``, a ``with``), so that nothing is taken for granted."""
    nodes = au.walk(fn)
    plain = [a for a in nodes if isinstance(a, ast.Assign)
             and any(isinstance(t, ast.Name) and t.id == name for t in a.targets)]
    allowed = {id(t) for a in plain for t in a.targets} | {
        id(a.target) for a in nodes if isinstance(a, ast.AugAssign) and isinstance(a.op, ast.Add)}
    stores = [t for t in nodes if isinstance(t, ast.Name) and t.id == name and isinstance(t.ctx, ast.Store)]
    return [a.value for a in plain] if all(id(t) in allowed for t in stores) else []


def _extends(value: ast.expr, name: str) -> bool:
    """``value`` is ``name + ...``: text appended to what ``name`` held, which keeps its beginning."""
    while isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        value = value.left
    return isinstance(value, ast.Name) and value.id == name


def _configured(node: ast.AST, fn: ast.AST, depth: int = 0) -> bool:
    """Configuration (``settings.ROOT_URL``), an entry of a table of configured values (``{"survey":
    config["SURVEY_URL"], ...}[service]``: whichever key is asked, the base is one the deployment set), or a local
    name every assignment of which is one of these."""
    if isinstance(node, ast.Name):
        values = _assignments(node.id, fn)
        return bool(values) and depth < 3 and all(_configured(v, fn, depth + 1) for v in values)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict) and node.value.values:
        return all(_configured(v, fn, depth + 1) for v in node.value.values)
    return au.configuration(node)


def _configured_base(node: ast.AST, fn: ast.AST) -> bool:
    """The URL starts with a configured base URL followed by a literal path, query or fragment (``f"{settings.ROOT_URL}
    /done?x={x}"``, ``app.config['API'] + '/v1/' + name``): the deployment chose the site, the literal's ``/`` ends its
    host, and request data after it chooses a page there."""
    pieces: list[ast.AST] = []
    if isinstance(node, ast.JoinedStr):
        pieces = [v.value if isinstance(v, ast.FormattedValue) else v for v in node.values[:2]]
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        chain: list[ast.AST] = []
        cur: ast.AST = node
        while isinstance(cur, ast.BinOp) and isinstance(cur.op, ast.Add):
            chain.insert(0, cur.right)
            cur = cur.left
        pieces = [cur, *chain][:2]
    return (len(pieces) == 2 and _configured(pieces[0], fn) and isinstance(pieces[1], ast.Constant)
            and isinstance(pieces[1].value, str) and pieces[1].value.startswith(("/", "?", "#")))


def fixed_host(node: ast.AST, fn: ast.AST, depth: int = 0) -> bool:
    """The URL starts with a literal ``scheme://host/``, or a configured base URL and a literal path: request data
    only in path or query is not SSRF."""
    if _configured_base(node, fn):
        return True
    node = leading_piece(node)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return FIXED_HOST.match(node.value) is not None
    if isinstance(node, ast.Name) and depth < 3:
        values = _assignments(node.id, fn)
        return bool(values) and all(fixed_host(v, fn, depth + 1) for v in values)
    return False


def _route_path(node: ast.AST, qualify: Qualify) -> bool:
    """A call that builds a path of this application from a route's name (``reverse``, ``url_for``, Starlette's
    ``request.url_for``/``app.url_path_for``), also made text by ``str(...)``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "str" and len(node.args) == 1:
        node = node.args[0]
    return isinstance(node, ast.Call) and ("redirect" in SANITISERS.get(qualify(node.func), frozenset()) or (
        isinstance(node.func, ast.Attribute) and node.func.attr in {"url_for", "url_path_for"}) or (
        # a route builder of another library (``cherrypy_foundation``'s ``url_for('admin', user.id)``) whose first
        # name is fixed: the path begins at a page of this application, whatever the later parts say
        au.last(au.dotted(node.func)) in _ROUTE_BUILDERS and bool(node.args) and au.is_const(node.args[0])
        and isinstance(au.const(node.args[0]), str) and not str(au.const(node.args[0])).startswith(("//", "http"))))


#: methods of a URL object that change only its query (Starlette's ``URL``, yarl's): scheme, host and path stay
_QUERY_SETTERS = frozenset({"include_query_params", "replace_query_params", "remove_query_params", "with_query",
                            "update_query", "extend_query"})
#: names of the helpers web frameworks and their add-ons give for a path of the application by a route's name
_ROUTE_BUILDERS = frozenset({"url_for", "url_path_for", "reverse", "reverse_lazy", "route_url", "get_url"})


def fixed_target(node: ast.AST, fn: ast.AST, const_eval: ConstEval, qualify: Qualify, *, local_ok: bool,
                 depth: int = 0) -> bool:
    """The URL starts with a fixed ``scheme://host/`` (or, with ``local_ok``, a fixed local path ``/users/``, the
    page being served, or a route's own path): request data after it chooses a page on that site, not the site.
    The prefix may be a module constant (``ROOT + '/users/' + name``)."""
    if fixed_host(node, fn) or (local_ok and (own_page(node) or _route_path(node, qualify))):
        return True
    if isinstance(node, ast.Name) and depth < 3:
        # ``target = target + "?" + query`` appends to the value the name had: its beginning is the earlier one's
        values = [v for v in _assignments(node.id, fn) if not _extends(v, node.id)]
        return bool(values) and all(fixed_target(v, fn, const_eval, qualify, local_ok=local_ok, depth=depth + 1)
                                    for v in values)
    cur = node
    while isinstance(cur, ast.BinOp) and isinstance(cur.op, ast.Add):
        prefix = const_eval(cur.left)
        if isinstance(prefix, str):
            return FIXED_HOST.match(prefix) is not None or (local_ok and LOCAL_PATH.match(prefix) is not None)
        cur = cur.left
    if cur is not node and depth < 3:
        # the leftmost piece decides where the URL leads: ``"/edit/{}?e=".format(pid) + quote(msg)``, a route's path
        return fixed_target(cur, fn, const_eval, qualify, local_ok=local_ok, depth=depth + 1)
    if local_ok and isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.FormattedValue) and _route_path(first.value, qualify):
            return True
        head = const_eval(first)
        return isinstance(head, str) and LOCAL_PATH.match(head) is not None
    if (local_ok and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in _QUERY_SETTERS and depth < 3):
        # ``request.url_for("packages").include_query_params(**request.query_params)``: only the query changes
        return fixed_target(node.func.value, fn, const_eval, qualify, local_ok=local_ok, depth=depth + 1)
    if (local_ok and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
            and isinstance(template := const_eval(node.func.value), str) and node.args):
        # ``"{}?{}".format(reverse('social:begin'), urlencode(...))``: what fills the first placeholder starts it
        if template.startswith(("{}", "{0}")):
            return fixed_target(node.args[0], fn, const_eval, qualify, local_ok=local_ok, depth=depth + 1)
        return re.match(r"/[^/\\{]", template) is not None  # ``"/{}".format(x)`` may begin ``//host``
    return False

#: the HTTP client calls whose failure text names the URL they were given
_FETCHES = frozenset({"get", "post", "put", "patch", "delete", "head", "request", "urlopen"})
#: what a fetched answer is read with (its failure describes that answer)
_ANSWER_READS = frozenset({"json", "raise_for_status", "read", "decode", "text", "iter_content"})


def _public_host(node: ast.AST, fn: ast.AST, depth: int = 0) -> bool:
    """The URL starts with a literal ``https://`` or ``http://`` host that is a public name (dotted, not an address,
    ``localhost`` or an internal suffix): what a failure of the request says names a site anyone can see."""
    node = leading_piece(node)
    if isinstance(node, ast.Name) and depth < 3:
        values = _assignments(node.id, fn)
        return bool(values) and all(_public_host(v, fn, depth + 1) for v in values)
    text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
    match = re.match(r"^https?://([A-Za-z0-9.-]+)[:/?#]", text)
    host = match.group(1).lower() if match else ""
    return ("." in host and not re.fullmatch(r"[0-9.]+", host) and host != "localhost"
            and not host.endswith((".local", ".internal", ".localdomain", ".svc", ".cluster.local", ".lan")))


def public_fetch_only(body: list[ast.stmt], fn: ast.AST) -> bool:
    """The guarded statements only fetch from a fixed public host and read the answer (``session.get(
    f"https://api.example.org/x?lat={lat}").json()``): the exception text of a failure names that public URL and the
    caller's own values, nothing of the server."""
    calls = [n for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Call)]
    fetches = [c for c in calls if au.last(au.dotted(c.func)) in _FETCHES and c.args]
    others = [c for c in calls if c not in fetches and not (isinstance(c.func, ast.Attribute)
                                                            and c.func.attr in _ANSWER_READS)]
    return bool(fetches) and not others and all(_public_host(c.args[0], fn) for c in fetches)
