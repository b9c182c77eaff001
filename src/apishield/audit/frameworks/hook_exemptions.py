"""Routes a request hook leaves out: ``before_request`` authentication that skips some endpoints or paths.

A hook that signs every request in usually exempts a few: ``if request.endpoint in ('login', 'static'): return``,
``if not request.path.startswith('/health'): check()``, or a predicate it calls (``def requires_auth(): return
request.endpoint != 'info' and 'health' not in request.endpoint``). The exempted routes are served with no
authentication at all, so the hook does not guard them; the rest it does.

Read literally and conservatively: a literal compared with ``request.endpoint``, ``request.path``,
``request.url_rule`` or ``request.blueprint`` is exempted when the branch its test opens ends the hook at once
(``return`` / ``return None``) and the test picks it (``==``, ``in``, ``startswith``), or when the branch holds the
check and the test leaves it out (``!=``, ``not in``, a negated ``startswith``); a predicate's ``return`` of such
tests exempts what its ``!=`` and ``not in`` leave out. Literal values only; other shapes exempt nothing.
"""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au

#: what a hook may exempt by: the request's endpoint, path, rule or blueprint
_REQUEST_PARTS = frozenset({"request.endpoint", "request.path", "request.url_rule", "request.url_rule.rule",
                            "request.blueprint", "request.full_path"})
#: a hook's text that names one of them (a cheap test before the tree walk)
REQUEST_TARGET = re.compile("|".join(re.escape(part) for part in sorted(_REQUEST_PARTS)))


def _about_request(node: ast.AST) -> bool:
    return au.dotted(node) in _REQUEST_PARTS


def _literals(node: ast.AST) -> list[str]:
    value = au.const(node, None)
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [v for v in value if isinstance(v, str)]
    return []


def _compared(test: ast.AST) -> tuple[list[str], list[str]]:
    """(exempted whatever the branch does, exempted when the branch ends the hook) for one test."""
    always: list[str] = []
    if_early: list[str] = []
    for node in au.walk(test):
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, right, op = node.left, node.comparators[0], node.ops[0]
            if _about_request(left):
                found, substring = _literals(right), False
            elif _about_request(right):
                found, substring = _literals(left), isinstance(op, (ast.In, ast.NotIn)) and isinstance(
                    au.const(left, None), str)
            else:
                continue
            marked = [f"~{v}" if substring else f"={v}" for v in found]
            if isinstance(op, (ast.NotEq, ast.NotIn, ast.IsNot)):
                always += marked
            elif isinstance(op, (ast.Eq, ast.In, ast.Is)):
                if_early += marked
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "startswith" and _about_request(node.func.value) and node.args):
            if_early += [f"^{v}" for v in _literals(node.args[0])]
    return always, if_early


def _ends_hook(body: list[ast.stmt]) -> bool:
    first = body[0] if body else None
    return isinstance(first, ast.Return) and (first.value is None or au.const(first.value, 0) is None)


def exemptions(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    """What ``fn`` (a hook, or a predicate a hook calls) exempts: ``=name`` an endpoint or path, ``~part`` an
    endpoint containing it, ``^prefix`` a path starting with it."""
    out: list[str] = []
    for node in au.walk(fn):
        if isinstance(node, ast.If):
            test = node.test
            negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
            always, if_early = _compared(test.operand if isinstance(test, ast.UnaryOp) and negated else test)
            # the branch either ends the hook (what its test picks is exempted) or holds the check (what its test
            # leaves out is): ``if request.endpoint in PUBLIC: return``, ``if request.endpoint != 'login': check()``
            ends = _ends_hook(node.body)
            if negated:  # ``if not request.path.startswith('/health'): check()``
                out += always if ends else if_early
            else:
                out += if_early if ends else always
        elif isinstance(node, ast.Return) and node.value is not None and not isinstance(node.value, ast.Constant):
            out += _compared(node.value)[0]  # a predicate: ``return request.endpoint != 'info' and ...``
    return tuple(dict.fromkeys(out))


def exempted(exempts: tuple[str, ...], path: str, handler: str) -> bool:
    """Does one of ``exempts`` name the route at ``path`` served by ``handler`` (``func``, ``Resource.get``)? Flask
    names an endpoint after its view function, a flask-restful resource after its class in lower case, and a
    blueprint's as ``blueprint.func``."""
    parts = handler.split(".")
    names = {parts[-1], parts[-1].lower(), *(p.lower() for p in parts[:-1])}
    for rule in exempts:
        kind, value = rule[0], rule[1:]
        if kind == "=" and (value in names or value.rpartition(".")[2] in names
                            or value.rstrip("/") == path.rstrip("/")):
            return True
        if kind == "~" and any(value in n for n in names):
            return True
        if kind == "^" and value and path.startswith(value):
            return True
    return False


__all__ = ["REQUEST_TARGET", "exempted", "exemptions"]
