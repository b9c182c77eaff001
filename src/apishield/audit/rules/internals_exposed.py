"""The server's environment or whole configuration returned to a client (AS313).

A "debug" or "info" endpoint that answers with ``os.environ`` or every setting hands over what the deployment keeps
out of the code on purpose: the secret key, database and cloud credentials, API tokens. Unlike an error page this
needs no fault; anyone who finds the route reads them. The rule reports a route handler whose answer is built from
the whole process environment (``dict(os.environ)``, ``os.environ.copy()``, ``{**os.environ}``) or the whole
configuration (``dir(settings)``/``vars(settings)``/``settings.__dict__`` of Django's settings, Flask's
``app.config``), directly or through names assigned from them. Reading one variable (``os.environ.get('X')``) or
one setting is not a dump, nor is a dump filtered to named keys (``{k: ... for k in dir(settings) if k in
PUBLIC}``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit import taint as tm
from apishield.audit.rules.base import at_node, is_test_code
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

INTERNALS_EXPOSED = Rule(
    id="AS313",
    title="Server environment or configuration returned to the client",
    cwe=(497, 215),
    owasp="API8:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="A route answers with the process environment or the application's whole configuration, which "
    "hold the secret key and the credentials of every service the deployment uses.",
    fix="Remove the endpoint, or answer with the few named, non-secret values the feature needs (a version, a "
    "build id) behind an administrator check.",
)

#: calls that copy, list or render a whole mapping given as their first argument
_WHOLE = frozenset({"dict", "vars", "dir", "list", "sorted", "repr", "str", "dumps", "pformat", "jsonify",
                    "JsonResponse", "JSONResponse"})
#: methods of a mapping that hand out all of it
_ALL_OF_IT = frozenset({"items", "copy", "values", "to_dict"})


def _environment(node: ast.AST, imports: dict[str, str]) -> bool:
    name = au.dotted(node)
    return bool(name) and (imports.get(name.split(".")[0], name.split(".")[0]) + name[len(name.split(".")[0]):]
                           in ("os.environ", "os.environ._data"))


def _configuration(node: ast.AST, imports: dict[str, str]) -> bool:
    """Django's ``settings`` object, Flask's ``app.config``/``current_app.config``."""
    name = au.dotted(node)
    if not name:
        return False
    head, _, rest = name.partition(".")
    full = imports.get(head, head) + ("." + rest if rest else "")
    return full in ("django.conf.settings", "flask.current_app.config") or (
        name.endswith(".config") and name.split(".")[-2] in ("app", "current_app", "application"))


def _whole(node: ast.AST, imports: dict[str, str]) -> bool:
    if not isinstance(node, ast.Name | ast.Attribute):
        return False  # os.environ['HOME'], app.config['DEBUG']: one value
    return _environment(node, imports) or _configuration(node, imports)


def _dumps(node: ast.AST, imports: dict[str, str]) -> bool:
    """``node`` holds a whole environment or configuration, unfiltered."""
    for sub in au.walk(node):
        if isinstance(sub, ast.Call):
            name = au.last(au.dotted(sub.func))
            if name in _WHOLE and sub.args and _whole(sub.args[0], imports) and (
                    name not in ("str", "repr") or _environment(sub.args[0], imports)):
                return not _filtered(node, sub)
            if isinstance(sub.func, ast.Attribute) and sub.func.attr in _ALL_OF_IT and _whole(sub.func.value, imports):
                return not _filtered(node, sub)
        elif isinstance(sub, ast.Attribute) and sub.attr == "__dict__" and _configuration(sub.value, imports):
            return not _filtered(node, sub)
        elif isinstance(sub, ast.Dict) and any(k is None and _whole(v, imports)
                                               for k, v in zip(sub.keys, sub.values, strict=True)):
            return True  # {**os.environ}
        elif isinstance(sub, ast.Dict | ast.Return) and _whole_value(sub, imports):
            return True  # {"env": os.environ}, return os.environ
    return False


def _whole_value(node: ast.Dict | ast.Return, imports: dict[str, str]) -> bool:
    values = node.values if isinstance(node, ast.Dict) else [node.value]
    return any(v is not None and _whole(v, imports) for v in values)


def _filtered(expression: ast.AST, source: ast.AST) -> bool:
    """A comprehension over ``source`` that keeps only keys it names (``if k in PUBLIC``, ``if
    k.startswith('PUBLIC_')``)."""
    for comp in au.walk(expression):
        if not isinstance(comp, ast.comprehension) or not any(n is source for n in au.walk(comp.iter)):
            continue
        for test in comp.ifs:
            for n in au.walk(test):
                if isinstance(n, ast.Compare) and any(isinstance(op, ast.In | ast.NotIn | ast.Eq) for op in n.ops):
                    return True
                if isinstance(n, ast.Call) and au.last(au.dotted(n.func)) in ("startswith", "endswith"):
                    return True
    return False


def _dump_names(fn: ast.FunctionDef | ast.AsyncFunctionDef, imports: dict[str, str]) -> set[str]:
    """Names of ``fn`` assigned a dump, or a value built from one (to a fixed point)."""
    names: set[str] = set()
    while True:
        before = len(names)
        for node in au.walk(fn):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None and (
                    _dumps(node.value, imports) or au.uses_any(node.value, names)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names.update(t.id for t in targets if isinstance(t, ast.Name))
        if len(names) == before:
            return names


@rule(INTERNALS_EXPOSED, scope="module")
def check_internals_exposed(ctx: ModuleContext) -> Iterator[Finding]:
    """AS313 — a route handler returns the process environment or the whole configuration (directly, in a JSON
    body, or in a template's context); test code skipped."""
    if is_test_code(ctx.path) or not any(word in ctx.source for word in ("environ", "settings", "config")):
        return
    imports = au.import_map(ctx.tree)
    named: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
    for f in au.functions(ctx.tree):
        named.setdefault(f.name, []).append(f)
    dump_names: dict[int, set[str]] = {}  # per function: a handler may return in several places
    reported: set[str] = set()
    for ret in tm.analyse_context(ctx).handler_returns:
        fn = next((f for f in named.get(ret.function, ()) if any(n is ret.node for n in au.walk(f))), None)
        if fn is None or fn.name in reported:
            continue
        if id(fn) not in dump_names:
            dump_names[id(fn)] = _dump_names(fn, imports)
        if _dumps(ret.node, imports) or au.uses_any(ret.node, dump_names[id(fn)]):
            reported.add(fn.name)
            yield at_node(INTERNALS_EXPOSED, ctx, ret.node,
                          f"handler {fn.name}() answers with the process environment or the whole configuration")


__all__ = ["INTERNALS_EXPOSED", "check_internals_exposed"]
