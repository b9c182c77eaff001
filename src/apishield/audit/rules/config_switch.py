"""Handlers that act only when a configuration switch is on: off unless the deployment turns it on.

``if app.config.get("SWAGGER_DEBUG", False): ...`` followed by ``return Response(status=404)`` is a route a
deployment serves as "not found" unless its configuration says otherwise: the same as registering the route only in a
development branch, written inside the handler. Route-level findings about what the route exposes (AS101, AS104) say
so and drop to low; the switch's default decides, so a default that is on (``config.get("X", True)``) keeps them.
"""

from __future__ import annotations

import ast
import textwrap

from apishield.audit import astutil as au
from apishield.audit.frameworks.guards import raises_or_aborts
from apishield.audit.model import Route
from apishield.audit.rules.registry import ProjectContext
from apishield.audit.rules.route_nature import handler_body

#: where a deployment's switches are read from
_CONFIG_WORDS = ("config", "settings", "environ", "getenv")
#: answers that refuse the request outright
_REFUSING_STATUS = frozenset({401, 403, 404, 405, 410, 501, 503})
_REFUSING_CALLS = frozenset({"abort", "NotFound", "Http404", "Forbidden", "HTTPNotFound", "HTTPForbidden",
                             "PermissionDenied", "MethodNotAllowed"})


def switched_off(project: ProjectContext, route: Route) -> str:
    """The switch the route's handler waits for (``"configuration flag SWAGGER_DEBUG"``), or ``""``: its body is one
    ``if`` on a configuration or environment value that is off by default, and every other way out refuses."""
    body = handler_body(project, route)
    if not body or not body.lstrip().startswith("if"):
        return ""  # the text already says no: most handlers are not parsed again
    header = body.lstrip().partition(":\n")[0].lower()  # the ``if`` line, or lines of a test written over several
    if not any(word in header for word in _CONFIG_WORDS):
        return ""
    try:
        tree = ast.parse(textwrap.dedent(body))
    except SyntaxError:
        return ""
    statements = tree.body
    if not statements or not isinstance(statements[0], ast.If):
        return ""
    test, rest = statements[0], [*statements[0].orelse, *statements[1:]]
    flag = _switch(test.test)
    if not flag or not rest or not all(_refuses(s) for s in rest):
        return ""
    return f"it answers only when the configuration flag {flag} is set, off by default"


def _switch(test: ast.expr) -> str:
    """The name of the configuration value ``test`` reads when it is off unless set: ``config.get("X")``,
    ``config.get("X", False)``, ``settings.X``, ``os.getenv("X")``; ``""`` otherwise."""
    if isinstance(test, ast.Call) and test.args:
        name = au.dotted(test.func)
        default = test.args[1] if len(test.args) > 1 else au.kwarg(test, "default")
        off = default is None or (isinstance(default, ast.Constant) and not default.value)
        key = au.const(test.args[0], None)
        if off and isinstance(key, str) and any(w in name.lower() for w in _CONFIG_WORDS):
            return key
        return ""
    if isinstance(test, (ast.Attribute, ast.Subscript)):
        name = au.dotted(test.value)
        key = test.attr if isinstance(test, ast.Attribute) else au.const(test.slice, None)
        if isinstance(key, str) and any(w in name.lower() for w in _CONFIG_WORDS):
            return key
    return ""


def _refuses(statement: ast.stmt) -> bool:
    """A ``return`` or ``raise`` that answers with a refusing status (404, 403, 503…) or a refusing exception."""
    if isinstance(statement, ast.Expr):
        return raises_or_aborts(statement)  # ``abort(404)``; a refusing exception built and not raised refuses nothing
    if not isinstance(statement, (ast.Return, ast.Raise)):
        return False
    value = statement.value if isinstance(statement, ast.Return) else statement.exc
    if value is None:
        return False
    for node in au.walk_once(value):
        if isinstance(node, ast.Call) and au.last(au.dotted(node.func)) in _REFUSING_CALLS:
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and node.value in _REFUSING_STATUS:
            return True
    return False


__all__ = ["switched_off"]
