"""Dependency factories: ``Depends(get_current_user_authorizer(required=False))`` depends on what the factory
returns, not on the factory. A factory that hands back one of several ready-made dependencies by a flag
(``if required: return _get_current_user`` / ``else: return _get_current_user_optional``) is read here: which
names it returns under which value of which parameter, so that the route is judged by the dependency the call
actually selects (the required one authenticates; the optional one is public on purpose).

A decorator that hands the function it wraps to another decorator (``def reporter_required(func): return
permission_required(Role.reporter)(func)``, ``return login_required(func)``) returns that decorator the same way:
the route is guarded by what it delegates to."""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au

#: one returned dependency: (flag parameter or "" when unconditional, the flag's value on that branch, the name)
Returned = tuple[str, bool, str]

_CALL_SUFFIX = re.compile(r"^(?P<name>[^()]+)\((?P<flags>(?:\w+=(?:True|False),?)*)\)$")


def encode_call(name: str, call: ast.Call) -> str:
    """``name`` plus the call's constant boolean keywords (``get_user(required=False)``), so that the project-wide
    resolution can pick the branch the call selects; the plain name when there are none."""
    flags = [f"{k.arg}={k.value.value}" for k in call.keywords
             if k.arg and isinstance(k.value, ast.Constant) and isinstance(k.value.value, bool)]
    return f"{name}({','.join(flags)})" if flags else name


def split_call(dependency: str) -> tuple[str, dict[str, bool]]:
    """The inverse of :func:`encode_call`: the factory's name and the flags its call passed."""
    match = _CALL_SUFFIX.match(dependency)
    if match is None:
        return dependency, {}
    flags = dict(pair.split("=", 1) for pair in match["flags"].split(",") if pair)
    return match["name"], {k: v == "True" for k, v in flags.items()}


def _returned_name(stmt: ast.stmt, wrapped: str | None = None) -> str:
    """The dependency a ``return`` hands back by reference, or the decorator it applies to ``wrapped`` (the
    decorated function, the decorator's only parameter): ``return D(func)`` / ``return D(...)(func)`` → ``D``."""
    if not isinstance(stmt, ast.Return):
        return ""
    value = stmt.value
    if isinstance(value, (ast.Name, ast.Attribute)):
        return au.dotted(value)
    if (wrapped and isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords
            and isinstance(value.args[0], ast.Name) and value.args[0].id == wrapped):
        callee = value.func.func if isinstance(value.func, ast.Call) else value.func
        if isinstance(callee, (ast.Name, ast.Attribute)):
            return au.dotted(callee)
    return ""


def _flag_test(test: ast.expr) -> tuple[str, bool] | None:
    """``if flag:`` → (flag, True); ``if not flag:`` → (flag, False); anything else → None."""
    if isinstance(test, ast.Name):
        return test.id, True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name):
        return test.operand.id, False
    return None


def factory_returns(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[list[Returned], dict[str, bool]]:
    """The dependencies a factory returns by reference (not by calling them), keyed by the boolean parameter that
    selects each, and the defaults of its boolean parameters. Empty when the body is anything else."""
    defaults = {name: value.value for name, value in au.param_defaults(fn).items()
                if isinstance(value, ast.Constant) and isinstance(value.value, bool)}
    out: list[Returned] = []
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    params = [*fn.args.posonlyargs, *fn.args.args]
    wrapped = params[0].arg if len(params) == 1 and not fn.args.kwonlyargs else None
    for index, stmt in enumerate(body):
        if name := _returned_name(stmt, wrapped):
            out.append(("", True, name))
            break
        flag = _flag_test(stmt.test) if isinstance(stmt, ast.If) else None
        if flag is None or not isinstance(stmt, ast.If) or flag[0] not in defaults:
            return [], defaults
        then = _returned_name(stmt.body[-1]) if len(stmt.body) == 1 else ""
        rest = stmt.orelse or body[index + 1:index + 2]
        other = _returned_name(rest[0]) if len(rest) == 1 or (not stmt.orelse and rest) else ""
        if not then or not other:
            return [], defaults
        out += [(flag[0], flag[1], then), (flag[0], not flag[1], other)]
        break
    return out, defaults


def selected(returns: list[Returned], defaults: dict[str, bool], flags: dict[str, bool]) -> list[str]:
    """The names a call with ``flags`` can get back: the branch its flag (or the parameter's default) selects."""
    chosen: list[str] = []
    for param, when, name in returns:
        value = flags.get(param, defaults.get(param)) if param else when
        if value is None or value == when:
            chosen.append(name)
    return chosen
