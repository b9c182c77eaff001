"""Cookie flags: AS503 Secure (CWE-614), AS504 HttpOnly (CWE-1004), AS505 SameSite (CWE-1275).

One finding per missing flag, each with its own CWE, so a scorer that matches CWE-614 is not confused by a
missing HttpOnly. Covers ``set_cookie`` (Flask/Werkzeug, Bottle, Starlette/FastAPI, Django), session cookie
configuration (``SESSION_COOKIE_*``, ``REMEMBER_COOKIE_*``, ``CSRF_COOKIE_*``, CherryPy ``tools.sessions.*``)
and CherryPy's ``cherrypy.response.cookie[name][flag]`` morsels. Deletions (``max_age=0``, ``expires=0``,
``delete_cookie``) and calls with ``**kwargs`` (flags unknown) are not reported.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from apishield.audit import astutil as au
from apishield.audit.rules._config_classes import in_dev_branch
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
    """The call expires the cookie (``max_age=0``, ``expires=0``) or empties it (``set_cookie("user", "")``, the
    usual sign-out): the cookie it sends holds nothing to steal."""
    for kw in call.keywords:
        if kw.arg in {"max_age", "expires"} and isinstance(kw.value, ast.Constant) and kw.value.value in (0, "0"):
            return True
    value = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "value"), None)
    return au.last(au.dotted(call.func)) == "set_cookie" and isinstance(value, ast.Constant) and value.value in (
        "", None, b"")


_FLAG_NAMES = {"AS503": "secure", "AS504": "httponly", "AS505": "samesite"}


@dataclass(slots=True)
class _Scan:
    """Everything cookie-related in one module, collected in a single walk (shared by the three rules)."""

    calls: list[ast.Call] = field(default_factory=list)
    config: list[tuple[str, ast.AST, ast.AST]] = field(default_factory=list)
    created: dict[tuple[int, str], ast.AST] = field(default_factory=dict)  # (function id, cookie key) -> node
    flags: dict[tuple[int, str, str], Any] = field(default_factory=dict)  # (function id, key, flag) -> value
    sent_morsels: list[ast.Call] = field(default_factory=list)  # http.cookies ``morsel.OutputString()``/``output()``
    morsel_flags: dict[str, Any] = field(default_factory=dict)  # ``<anything>['secure'] = True`` in the module
    _parents: dict[int, ast.AST] | None = None

    def parents(self, tree: ast.AST) -> dict[int, ast.AST]:
        """The module's parent map, made once and only where a configuration flag needs it."""
        if self._parents is None:
            self._parents = au.parent_map(tree)
        return self._parents


_SCANS: dict[int, tuple[ast.AST, _Scan]] = {}


def _scan(ctx: ModuleContext) -> _Scan:
    cached = _SCANS.get(id(ctx.tree))
    if cached is not None and cached[0] is ctx.tree:
        return cached[1]
    out = _Scan()
    if "cookie" in ctx.source.lower() or "tools.sessions" in ctx.source:
        _visit(ctx.tree, 0, out)
    if len(_SCANS) > 8:
        _SCANS.clear()
    _SCANS[id(ctx.tree)] = (ctx.tree, out)
    return out


def _visit(node: ast.AST, scope: int, out: _Scan) -> None:
    stack: list[tuple[ast.AST, int]] = [(node, scope)]
    while stack:
        cur, fn = stack.pop()
        if isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef)):
            fn = id(cur)
        if isinstance(cur, ast.Call) and isinstance(cur.func, ast.Attribute):
            if cur.func.attr == "set_cookie" and not any(kw.arg is None for kw in cur.keywords) and not \
                    _is_deletion(cur):
                out.calls.append(cur)
            elif cur.func.attr == "update":
                out.config += [(k.arg, k.value, k.value) for k in cur.keywords if k.arg]
            elif cur.func.attr in {"OutputString", "output"} and not cur.args:
                out.sent_morsels.append(cur)
        elif isinstance(cur, ast.Assign) and len(cur.targets) == 1:
            t = cur.targets[0]
            if isinstance(t, ast.Subscript):
                if isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, str):
                    out.config.append((t.slice.value, cur.value, cur))
                    if t.slice.value.lower() in _FLAG_NAMES.values():
                        out.morsel_flags[t.slice.value.lower()] = _value(cur.value)
                if _is_cookie_jar(t.value):
                    out.created.setdefault((fn, ast.dump(t.slice)), cur)
                elif isinstance(t.value, ast.Subscript) and _is_cookie_jar(t.value.value) and isinstance(
                        t.slice, ast.Constant):
                    out.flags[(fn, ast.dump(t.value.slice), str(t.slice.value).lower())] = _value(cur.value)
            elif isinstance(t, ast.Name):
                out.config.append((t.id, cur.value, cur))
        elif isinstance(cur, ast.Dict):
            out.config += [(k.value, v, k) for k, v in zip(cur.keys, cur.values, strict=True)
                           if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        stack.extend((child, fn) for child in au.children(cur))


def _flag_findings(ctx: ModuleContext, which: Rule) -> Iterator[Finding]:
    scan = _scan(ctx)
    if not (scan.calls or scan.config or scan.created):
        return
    framework = module_framework(ctx)
    fix = fix_text(_FIX_SECURE, framework)
    name_kw = _FLAG_NAMES[which.id]
    for call in scan.calls:
        kw = next((k.value for k in call.keywords if k.arg == name_kw), None)
        if which is SAMESITE:
            value = _value(kw)
            lax_default = framework == "fastapi"  # Starlette's set_cookie defaults to samesite="lax"
            bad = (kw is None and not lax_default) or (kw is not None and value is not ... and (
                value is None or str(value).lower() == "none"))
        else:
            bad = _flag_off(kw)
        if bad:
            state = "missing" if kw is None else "off"
            explicit = {"severity": Severity.MEDIUM} if which is SAMESITE and kw is not None else {}
            if which is SECURE and _fixed_preference(call):
                explicit = {"severity": Severity.LOW}
            yield at_node(which, ctx, call, f"set_cookie() with the {name_kw} flag {state}", fix=fix,
                          **_cookie_name(call), **explicit)
    for key, value, where in scan.config:
        entry = _CONFIG_KEYS.get(key)
        if entry is not None and entry[0] is which:
            literal = _value(value)
            if literal is ...:
                continue
            if (entry[1] and (literal is None or str(literal).lower() == "none")) or (not entry[1] and not literal):
                if in_dev_branch(where, scan.parents(ctx.tree)):
                    yield at_node(which, ctx, where, f"{key} = {literal!r} (in the branch taken for development)",
                                  fix=fix, severity=Severity.LOW)
                else:
                    yield at_node(which, ctx, where, f"{key} = {literal!r}", fix=fix,
                                  **_session_switched_off(which, key))
        elif _CP_KEYS.get(key) is which and _value(value) is not ... and not _value(value):
            yield at_node(which, ctx, where, f"CherryPy '{key}' is off", fix=fix, **_session_switched_off(which, key))
    yield from _cherrypy_default_off(scan, ctx, which, fix)
    if scan.sent_morsels and "SimpleCookie" in ctx.source:
        # the standard library's cookies: a morsel sent in a Set-Cookie header carries only the flags set on it
        value = scan.morsel_flags.get(name_kw, _UNSAFE)
        if value is _UNSAFE or (value is not ... and (not value or str(value).lower() == "none")):
            for call in scan.sent_morsels:
                yield at_node(which, ctx, call, f"http.cookies morsel sent without the {name_kw} flag", fix=fix)
    for (fn, key), where in scan.created.items():
        if fn == 0:
            continue
        value = scan.flags.get((fn, key, name_kw), _UNSAFE)
        bad = value is _UNSAFE or (value is not ... and (not value or (name_kw == "samesite" and str(
            value).lower() == "none")))
        if bad:
            yield at_node(which, ctx, where, f"cookie set without the {name_kw} flag", fix=fix)


def _cherrypy_default_off(scan: _Scan, ctx: ModuleContext, which: Rule, fix: str) -> Iterator[Finding]:
    """CherryPy sessions switched on (``'tools.sessions.on': True``) where no configuration of the module sets the
    session cookie's flag: CherryPy's ``secure`` and ``httponly`` default to off."""
    flag = next((k for k, rule_ in _CP_KEYS.items() if rule_ is which), None)
    if flag is None or any(key == flag for key, _, _ in scan.config):
        return
    for key, value, where in scan.config:
        if key == "tools.sessions.on" and _value(value) is not ... and _value(value):
            yield at_node(which, ctx, where, f"CherryPy sessions are on and '{flag}' is not set (CherryPy's default "
                          "is off)", fix=fix, **_session_switched_off(which, flag))


_CREDENTIAL_NAME = re.compile(r"sess|auth|token|jwt|login|user|uid|account|remember|secret|key|pass|csrf|xsrf|sid"
                              r"|ident|cred|sig", re.IGNORECASE)


# a value drawn or signed per client (``uuid4()``, ``secrets.token_hex()``, ``serializer.dumps()``) identifies it
_GENERATED = re.compile(r"uuid|secrets|urandom|random|sign|encode|serial|hmac|digest|hash", re.IGNORECASE)


def _fixed_preference(call: ast.Call) -> bool:
    """A cookie that carries no credential: its name is a literal naming none (``theme``, ``stale_after``,
    ``show_followed``) and its value is a short literal or an expression naming none either
    (``set_cookie('prefs', pickled)``). Sent in clear it hands an eavesdropper no session, so a missing Secure
    flag is low; a cookie named or filled like a session, token or user (``set_cookie('score', token)``) stays
    medium."""
    name = au.str_const(au.arg(call, 0, "key"))
    if not name or _CREDENTIAL_NAME.search(name):
        return False
    value_node = au.arg(call, 1, "value")
    value = au.const(value_node, ...)
    if value is not ...:
        return isinstance(value, (str, int, bool)) and len(str(value)) <= 16
    text = ast.unparse(value_node) if value_node is not None else ""
    return bool(text) and not _CREDENTIAL_NAME.search(text) and not _GENERATED.search(text)


def _cookie_name(call: ast.Call) -> dict[str, str]:
    """``{"cookie": name}`` for a literal cookie name: the project pass lowers findings on cookies the server
    never reads back (:mod:`apishield.audit.refine`)."""
    name = au.str_const(au.arg(call, 0, "key"))
    return {"cookie": name} if name else {}


def _session_switched_off(which: Rule, key: str) -> dict[str, Severity]:
    """HttpOnly off for the framework's session cookie (switched off in Flask or Django, where it is on by default,
    or left at CherryPy's sessions tool default, which is off): the session is handed to any injected script, so
    medium. SameSite set to None for it, likewise: the session then rides along on every cross-site request
    (CSRF)."""
    session = key.startswith(("SESSION_COOKIE_", "REMEMBER_COOKIE_")) or key.startswith("tools.sessions.")
    if which in (HTTPONLY, SAMESITE) and session:
        return {"severity": Severity.MEDIUM}
    return {}


def _is_cookie_jar(node: ast.AST) -> bool:
    """``cherrypy.response.cookie`` (or ``response.cookie``)."""
    return (isinstance(node, ast.Attribute) and node.attr == "cookie" and isinstance(node.value, ast.Attribute) \
        and node.value.attr == "response") or (isinstance(node, ast.Attribute) and node.attr == "cookie"
                                              and isinstance(node.value, ast.Name) and node.value.id == "response")


@rule(SECURE)
def check_secure(ctx: ModuleContext) -> Iterator[Finding]:
    """AS503 — cookie without Secure (CWE-614): ``set_cookie(...)`` without ``secure=True`` (Flask, Bottle and
    Starlette all default to off), ``SESSION_COOKIE_SECURE = False``, CherryPy ``tools.sessions.secure``
    off or left at its default (off) with sessions on, or a ``cherrypy.response.cookie[name]`` never given
    ``['secure'] = True``."""
    return _flag_findings(ctx, SECURE)


@rule(HTTPONLY)
def check_httponly(ctx: ModuleContext) -> Iterator[Finding]:
    """AS504 — cookie without HttpOnly (CWE-1004): ``set_cookie`` without ``httponly=True``,
    ``SESSION_COOKIE_HTTPONLY = False``, CherryPy ``tools.sessions.httponly`` off or left at its default (off)
    with sessions on, or a morsel without
    ``['httponly'] = True``."""
    return _flag_findings(ctx, HTTPONLY)


@rule(SAMESITE)
def check_samesite(ctx: ModuleContext) -> Iterator[Finding]:
    """AS505 — SameSite missing or ``None`` (CWE-1275): ``set_cookie`` without ``samesite='Lax'|'Strict'``,
    ``SESSION_COOKIE_SAMESITE = None``, a CherryPy morsel without ``['samesite']``. Low when the attribute is
    left out (browsers may default it to Lax); medium when it is set to None explicitly, by ``set_cookie`` or for
    the session cookie."""
    return _flag_findings(ctx, SAMESITE)


__all__ = ["HTTPONLY", "SAMESITE", "SECURE"]
