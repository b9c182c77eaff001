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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from apishield.audit import astutil as au

#: what a hook may exempt by: the request's endpoint, path, rule or blueprint
_REQUEST_PARTS = frozenset({"request.endpoint", "request.path", "request.url_rule", "request.url_rule.rule",
                            "request.blueprint", "request.full_path", "request.url.path", "request.scope.path"})
#: a hook's text that names one of them (a cheap test before the tree walk)
REQUEST_TARGET = re.compile("|".join(re.escape(part) for part in sorted(_REQUEST_PARTS)))


@dataclass(frozen=True)
class _Reading:
    """What a hook's tests are read with: the local names bound to a request part (``path = request.url.path``),
    the module's literal collections (``PUBLIC_PREFIXES = ("/login", "/health")``) and the hook's parameters (a
    Starlette middleware's ``call_next``)."""

    aliases: frozenset[str] = frozenset()
    constants: Mapping[str, Any] = field(default_factory=dict)
    params: frozenset[str] = frozenset()

    def about_request(self, node: ast.AST) -> bool:
        return au.dotted(node) in _REQUEST_PARTS or (isinstance(node, ast.Name) and node.id in self.aliases)

    def literals(self, node: ast.AST) -> list[str]:
        value = self.constants.get(node.id) if isinstance(node, ast.Name) else au.const(node, None)
        if isinstance(value, str):
            return [value]
        if isinstance(value, (list, tuple, set, frozenset)):
            return [v for v in value if isinstance(v, str)]
        return []


def _compared(test: ast.AST, reading: _Reading) -> tuple[list[str], list[str]]:
    """(exempted whatever the branch does, exempted when the branch ends the hook) for one test."""
    always: list[str] = []
    if_early: list[str] = []
    for node in au.walk(test):
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, right, op = node.left, node.comparators[0], node.ops[0]
            if reading.about_request(left):
                found, substring = reading.literals(right), False
            elif reading.about_request(right):
                found, substring = reading.literals(left), isinstance(op, (ast.In, ast.NotIn)) and isinstance(
                    au.const(left, None), str)
            else:
                continue
            marked = [f"~{v}" if substring else f"={v}" for v in found]
            if isinstance(op, (ast.NotEq, ast.NotIn, ast.IsNot)):
                always += marked
            elif isinstance(op, (ast.Eq, ast.In, ast.Is)):
                if_early += marked
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "startswith" and reading.about_request(node.func.value) and node.args):
            if_early += [f"^{v}" for v in reading.literals(node.args[0])]
        elif (isinstance(node, ast.Call) and au.dotted(node.func) == "any" and len(node.args) == 1
              and isinstance(gen := node.args[0], (ast.GeneratorExp, ast.ListComp)) and len(gen.generators) == 1):
            # ``any(path.startswith(p) for p in PUBLIC_PREFIXES)``: each of the collection's prefixes
            loop, elt = gen.generators[0], gen.elt
            if (isinstance(elt, ast.Call) and isinstance(elt.func, ast.Attribute) and elt.func.attr == "startswith"
                    and reading.about_request(elt.func.value) and len(elt.args) == 1
                    and isinstance(elt.args[0], ast.Name) and isinstance(loop.target, ast.Name)
                    and elt.args[0].id == loop.target.id):
                if_early += [f"^{v}" for v in reading.literals(loop.iter)]
    return always, if_early


def _ends_hook(body: list[ast.stmt], reading: _Reading) -> bool:
    """The branch ends the hook without a check: ``return`` / ``return None``, or a middleware's ``return await
    call_next(request)`` (the request passed on as it is)."""
    first = body[0] if body else None
    if not isinstance(first, ast.Return):
        return False
    value = first.value.value if isinstance(first.value, ast.Await) else first.value
    passes_on = isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in reading.params
    return passes_on or value is None or au.const(value, 0) is None


def _aliases(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    """Local names bound to a request part (``path = request.url.path``)."""
    return frozenset(t.id for node in au.walk(fn) if isinstance(node, ast.Assign)
                     and au.dotted(node.value) in _REQUEST_PARTS for t in node.targets if isinstance(t, ast.Name))


def exemptions(fn: ast.FunctionDef | ast.AsyncFunctionDef, constants: Mapping[str, Any] | None = None
               ) -> tuple[str, ...]:
    """What ``fn`` (a hook, or a predicate a hook calls) exempts: ``=name`` an endpoint or path, ``~part`` an
    endpoint containing it, ``^prefix`` a path starting with it; ``!`` before one of them: everything but what it
    names (a hook that checks only the paths its test picks). ``constants``: the module's literal collections,
    which a test may name (``if any(path.startswith(p) for p in PUBLIC_PREFIXES): return await call_next(request)``)."""
    params = frozenset(a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs])
    reading = _Reading(_aliases(fn), constants or {}, params)
    out: list[str] = []
    for node in au.walk(fn):
        if isinstance(node, ast.If):
            test = node.test
            negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
            always, if_early = _compared(test.operand if isinstance(test, ast.UnaryOp) and negated else test, reading)
            # the branch either ends the hook (what its test picks is exempted) or holds the check (what its test
            # leaves out is): ``if request.endpoint in PUBLIC: return``, ``if request.endpoint != 'login': check()``
            ends = _ends_hook(node.body, reading)
            if negated:  # ``if not request.path.startswith('/health'): check()``
                out += always if ends else if_early
            else:
                out += if_early if ends else always
            if negated == ends:
                # the check runs only for what the test picks (``if any(request.path.startswith(p) for p in
                # PROTECTED): check()``, ``if not request.path.startswith('/api'): return``): the rest is left out
                out += [f"!{rule}" for rule in if_early]
        elif isinstance(node, ast.Return) and node.value is not None and not isinstance(node.value, ast.Constant):
            out += _compared(node.value, reading)[0]  # a predicate: ``return request.endpoint != 'info' and ...``
    return tuple(dict.fromkeys(out))


def exempted(exempts: tuple[str, ...], path: str, handler: str) -> bool:
    """Does one of ``exempts`` name the route at ``path`` served by ``handler`` (``func``, ``Resource.get``)? Flask
    names an endpoint after its view function, a flask-restful resource after its class in lower case, and a
    blueprint's as ``blueprint.func``."""
    only = tuple(rule[1:] for rule in exempts if rule.startswith("!"))
    if only and not exempted(only, path, handler):
        return True  # the hook checks only what its test picks, and this route is not among them
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
