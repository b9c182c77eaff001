"""Cookie flags: AS503 Secure (CWE-614), AS504 HttpOnly (CWE-1004), AS505 SameSite (CWE-1275).

One finding per missing flag, each with its own CWE, so a scorer that matches CWE-614 is not confused by a
missing HttpOnly. Covers ``set_cookie`` (Flask/Werkzeug, Bottle, Starlette/FastAPI, Django), session cookie
configuration (``SESSION_COOKIE_*``, ``REMEMBER_COOKIE_*``, ``CSRF_COOKIE_*``, CherryPy ``tools.sessions.*``)
and CherryPy's ``cherrypy.response.cookie[name][flag]`` morsels. Deletions (``max_age=0``, ``expires=0``,
``delete_cookie``) and calls with ``**kwargs`` (flags unknown) are not reported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from apishield.audit.rules.base import at_node, fix_text, module_framework
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

OWASP = "API8:2023"
_FIX_SECURE = {
    "flask": "`resp.set_cookie(name, value, secure=True, httponly=True, samesite='Lax')`; for the session "
             "`SESSION_COOKIE_SECURE=True`. apishield: `apishield.web.cookies` sets `Secure; HttpOnly; "
             "SameSite=Lax` by default.",
    "bottle": "`response.set_cookie(name, value, secret=SECRET, secure=True, httponly=True, samesite='lax')`.",
    "cherrypy": "`cookie[name]['secure'] = True` (and `'httponly'`, `'samesite'`); "
                "`'tools.sessions.secure': True, 'tools.sessions.httponly': True`.",
    "fastapi": "`response.set_cookie(name, value, secure=True, httponly=True, samesite='lax')`.",
}
_UNSAFE = object()

SECURE = Rule(
    id="AS503", title="Cookie without the Secure flag", cwe=(614,), owasp=OWASP, severity=Severity.MEDIUM,
    confidence=Confidence.HIGH, description="The cookie is also sent over plain HTTP, where it can be read.",
    fix=fix_text(_FIX_SECURE),
)
HTTPONLY = Rule(
    id="AS504", title="Cookie without the HttpOnly flag", cwe=(1004,), owasp=OWASP, severity=Severity.LOW,
    confidence=Confidence.HIGH, description="Scripts can read the cookie, so one XSS steals it.",
    fix=fix_text(_FIX_SECURE),
)
SAMESITE = Rule(
    id="AS505", title="Cookie SameSite missing or None", cwe=(1275,), owasp=OWASP, severity=Severity.LOW,
    confidence=Confidence.MEDIUM, description="The cookie rides along on cross-site requests (CSRF).",
    fix=fix_text(_FIX_SECURE),
)

_CONFIG_KEYS: dict[str, tuple[Rule, bool]] = {}
for _prefix in ("SESSION_COOKIE_", "REMEMBER_COOKIE_", "CSRF_COOKIE_", "JWT_COOKIE_"):
    _CONFIG_KEYS[_prefix + "SECURE"] = (SECURE, False)
    _CONFIG_KEYS[_prefix + "HTTPONLY"] = (HTTPONLY, False)
    _CONFIG_KEYS[_prefix + "SAMESITE"] = (SAMESITE, True)
_CONFIG_KEYS["JWT_COOKIE_CSRF_PROTECT"] = (SAMESITE, False)
_CP_KEYS = {"tools.sessions.secure": SECURE, "tools.sessions.httponly": HTTPONLY}


def _value(node: ast.AST | None) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    return _UNSAFE if node is None else ...


def _flag_off(node: ast.AST | None) -> bool:
    """True when a flag keyword is absent or a literal false value."""
    if node is None:
        return True
    value = _value(node)
    return value is not ... and not value


def _is_deletion(call: ast.Call) -> bool:
    for kw in call.keywords:
        if kw.arg in {"max_age", "expires"} and isinstance(kw.value, ast.Constant) and kw.value.value in (0, "0"):
            return True
    return False


def _set_cookie_calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "set_cookie":
            if any(kw.arg is None for kw in node.keywords) or _is_deletion(node):
                continue
            yield node


def _flag_findings(ctx: ModuleContext, which: Rule) -> Iterator[Finding]:
    framework = module_framework(ctx)
    fix = fix_text(_FIX_SECURE, framework)
    name_kw = {SECURE.id: "secure", HTTPONLY.id: "httponly", SAMESITE.id: "samesite"}[which.id]
    for call in _set_cookie_calls(ctx.tree):
        kw = next((k.value for k in call.keywords if k.arg == name_kw), None)
        if which is SAMESITE:
            value = _value(kw)
            bad = kw is None or (value is not ... and (value is None or str(value).lower() == "none"))
        else:
            bad = _flag_off(kw)
        if bad:
            state = "missing" if kw is None else "off"
            yield at_node(which, ctx, call, f"set_cookie() with the {name_kw} flag {state}", fix=fix)
    yield from _config_findings(ctx, which, fix)
    yield from _cherrypy_morsels(ctx, which, fix)


def _config_findings(ctx: ModuleContext, which: Rule, fix: str) -> Iterator[Finding]:
    for node in ast.walk(ctx.tree):
        pairs: list[tuple[str, ast.AST, ast.AST]] = []
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            t = node.targets[0]
            if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, str):
                pairs.append((t.slice.value, node.value, node))
            elif isinstance(t, ast.Name):
                pairs.append((t.id, node.value, node))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            pairs += [(k.arg, k.value, k.value) for k in node.keywords if k.arg]
        elif isinstance(node, ast.Dict):
            pairs += [(k.value, v, k) for k, v in zip(node.keys, node.values, strict=True)
                      if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        for key, value, where in pairs:
            entry = _CONFIG_KEYS.get(key)
            if entry is not None and entry[0] is which:
                literal = _value(value)
                if literal is ...:
                    continue
                if (entry[1] and (literal is None or str(literal).lower() == "none")) or (not entry[1] and not literal):
                    yield at_node(which, ctx, where, f"{key} = {literal!r}", fix=fix)
            elif _CP_KEYS.get(key) is which and _value(value) is not ... and not _value(value):
                yield at_node(which, ctx, where, f"CherryPy '{key}' is off", fix=fix)


def _cherrypy_morsels(ctx: ModuleContext, which: Rule, fix: str) -> Iterator[Finding]:
    """``cookie[name] = value`` without a truthy ``cookie[name]['secure'|'httponly'|'samesite']`` in the same
    function (or with an explicit false value)."""
    flag = {SECURE.id: "secure", HTTPONLY.id: "httponly", SAMESITE.id: "samesite"}[which.id]
    for fn in ast.walk(ctx.tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            continue
        created: dict[str, ast.AST] = {}
        flags: dict[str, Any] = {}
        body_nodes = fn.body if isinstance(fn, ast.Module) else [fn]
        for stmt in (n for b in body_nodes for n in ast.walk(b)):
            if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
                continue
            t = stmt.targets[0]
            if not isinstance(t, ast.Subscript):
                continue
            inner = t.value
            if _is_cookie_jar(inner):
                created.setdefault(ast.dump(t.slice), stmt)
            elif isinstance(inner, ast.Subscript) and _is_cookie_jar(inner.value) and isinstance(
                    t.slice, ast.Constant) and str(t.slice.value).lower() == flag:
                flags[ast.dump(inner.slice)] = _value(stmt.value)
        if isinstance(fn, ast.Module):
            continue
        for key, where in created.items():
            value = flags.get(key, None)
            bad = key not in flags or (value is not ... and (not value or (flag == "samesite" and str(
                value).lower() == "none")))
            if bad:
                yield at_node(which, ctx, where, f"cookie set without the {flag} flag", fix=fix)


def _is_cookie_jar(node: ast.AST) -> bool:
    """``cherrypy.response.cookie`` (or ``response.cookie``)."""
    return isinstance(node, ast.Attribute) and node.attr == "cookie" and isinstance(node.value, ast.Attribute) \
        and node.value.attr == "response" or (isinstance(node, ast.Attribute) and node.attr == "cookie"
                                              and isinstance(node.value, ast.Name) and node.value.id == "response")


@rule(SECURE)
def check_secure(ctx: ModuleContext) -> Iterator[Finding]:
    """AS503 — cookie without Secure (CWE-614): ``set_cookie(...)`` without ``secure=True`` (Flask, Bottle and
    Starlette all default to off), ``SESSION_COOKIE_SECURE = False``, CherryPy ``tools.sessions.secure``
    off, or a ``cherrypy.response.cookie[name]`` never given ``['secure'] = True``."""
    return _flag_findings(ctx, SECURE)


@rule(HTTPONLY)
def check_httponly(ctx: ModuleContext) -> Iterator[Finding]:
    """AS504 — cookie without HttpOnly (CWE-1004): ``set_cookie`` without ``httponly=True``,
    ``SESSION_COOKIE_HTTPONLY = False``, CherryPy ``tools.sessions.httponly`` off or a morsel without
    ``['httponly'] = True``."""
    return _flag_findings(ctx, HTTPONLY)


@rule(SAMESITE)
def check_samesite(ctx: ModuleContext) -> Iterator[Finding]:
    """AS505 — SameSite missing or ``None`` (CWE-1275): ``set_cookie`` without ``samesite='Lax'|'Strict'``,
    ``SESSION_COOKIE_SAMESITE = None``, a CherryPy morsel without ``['samesite']``."""
    return _flag_findings(ctx, SAMESITE)


__all__ = ["HTTPONLY", "SAMESITE", "SECURE"]
