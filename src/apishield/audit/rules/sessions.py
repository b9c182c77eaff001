"""Sessions and CSRF settings: AS501 (CSRF disabled), AS506 (unsigned cookies trusted), AS507 (unbounded
token/session lifetime). AS502 (CSRF absent) needs the route inventory and lives in
:mod:`apishield.audit.rules.missing`; cookie flags (AS503–AS505) live in the taint helper's ``cookies``."""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterator

from apishield.audit import astutil as au
from apishield.audit.rules._csrf_exemption import exemption_harmless
from apishield.audit.rules._django_settings import commented_out, installs_drf
from apishield.audit.rules.base import at_node, class_def, fix_text, imports, is_test_code, module_framework
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

CSRF_DISABLED = Rule(
    id="AS501",
    title="CSRF protection disabled",
    cwe=(352,),
    owasp="API8:2023",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    description="CSRF checks are switched off globally, or a state-changing view is exempted.",
    fix="Keep `WTF_CSRF_ENABLED` on and `CSRFProtect(app)`; exempt only signature-verified webhooks. apishield: "
    "`@shield.csrf_exempt` only for routes authenticated by a header token or a signature.",
)
COOKIE_FIXES = {
    "bottle": "Sign it: `response.set_cookie('uid', uid, secret=SECRET, httponly=True, secure=True)` and read with "
    "`request.get_cookie('uid', secret=SECRET)`; better, keep only a random session id (apishield "
    "`SessionManager`).",
    "flask": "Keep identity in Flask's signed `session` (or apishield sessions), never in a raw "
    "`request.cookies['user_id']`.",
    "cherrypy": "Use `tools.sessions` and keep the user id server-side; never trust `cherrypy.request.cookie`.",
    "fastapi": "Use a signed session (Starlette `SessionMiddleware`) or a bearer token, not a raw cookie value.",
}
UNSIGNED_COOKIE = Rule(
    id="AS506",
    title="Unsigned cookie trusted for identity or state",
    cwe=(565, 784, 345),
    owasp="API2:2023",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    description="The client can edit the cookie (user id, role) and the server believes it.",
    fix=fix_text(COOKIE_FIXES),
)

LIFETIME = Rule(
    id="AS507",
    title="Unbounded session or token lifetime",
    cwe=(613,),
    owasp="API2:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="Tokens without expiry (or with expiry checks off) stay valid forever once leaked.",
    fix="Give tokens an `exp` (minutes for access tokens), keep `verify_exp` on, and bound sessions "
    "(`PERMANENT_SESSION_LIFETIME = timedelta(hours=12)`). apishield `JWTAuth(max_ttl=...)` bounds token lifetime.",
)

_COOKIE_JARS = ("request.cookies", "request.cookie", "request.COOKIES")  # Flask/Starlette, CherryPy, Django
_IDENTITY = re.compile(r"user|uid|session|sess|role|admin|auth|account|login|token|identity|member|is_", re.I)


def _config_false(ctx: ModuleContext, key: str) -> Iterator[ast.AST]:
    for node in au.nodes_of_any(ctx.tree, ast.Assign, ast.Call, ast.Dict):
        if isinstance(node, ast.Assign) and au.is_false(node.value):
            for t in node.targets:
                name = au.dotted(t)
                sub = au.subscript_key(t) if isinstance(t, ast.Subscript) else None
                if name == key or name.endswith("." + key) or sub == key:
                    yield node
        elif isinstance(node, ast.Call) and au.is_false(au.kwarg(node, key)):
            yield node
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=False):
                if au.str_const(k) == key and au.is_false(v):
                    yield node


_HINT_CHECK_CSRF_DISABLED = ("csrf", "middleware")
_HINT_CHECK_UNSIGNED_COOKIE = ("cookie",)
_HINT_CHECK_LIFETIME = ("jwt", "jose", "lifetime", "expires", "session_cookie_age")


@rule(CSRF_DISABLED)
def check_csrf_disabled(ctx: ModuleContext) -> Iterator[Finding]:
    """AS501 — ``WTF_CSRF_ENABLED = False`` / ``WTF_CSRF_CHECK_DEFAULT = False`` (outside test code),
    ``@csrf.exempt``, ``csrf.exempt(view_or_blueprint)``, Django ``@csrf_exempt``, apishield
    ``@shield.csrf_exempt`` (low severity: it is the documented escape hatch), and a Django ``MIDDLEWARE`` (or
    ``MIDDLEWARE_CLASSES``) list with ``SessionMiddleware`` and without ``CsrfViewMiddleware``. An exempt route
    that accepts only GET/HEAD/OPTIONS is skipped: CSRF protection never checks safe methods. An exempt view with
    no cookie-session authentication, or one that only renders, is low
    (:mod:`apishield.audit.rules._csrf_exemption`)."""
    if not au.mentions(ctx, _HINT_CHECK_CSRF_DISABLED):  # cheap pre-filter: most files cannot match
        return
    if is_test_code(ctx.path):
        return
    imp = imports(ctx)
    helpers = au.functions_by_name(ctx.tree.body)
    for key in ("WTF_CSRF_ENABLED", "WTF_CSRF_CHECK_DEFAULT", "CSRF_ENABLED"):
        for node in _config_false(ctx, key):
            yield at_node(CSRF_DISABLED, ctx, node, f"{key} = False switches CSRF protection off")
    for node in au.nodes_of_any(ctx.tree, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Call, ast.Assign):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for dec in node.decorator_list:
                name = _exempting(dec, imp)
                if name:
                    if _answers_safe_only(node, dec) if isinstance(node, ast.ClassDef) else _safe_methods_only(node):
                        continue  # CSRF protection never checks GET/HEAD/OPTIONS: the exemption changes nothing
                    harmless = exemption_harmless(node, helpers)
                    low = name.startswith("shield.") or "apishield" in name or bool(harmless)
                    yield at_node(
                        CSRF_DISABLED,
                        ctx,
                        dec,
                        f"{node.name}{'' if isinstance(node, ast.ClassDef) else '()'} is exempt from CSRF checks"
                        + (f" ({harmless})" if harmless else ""),
                        severity=Severity.LOW if low else Severity.MEDIUM,
                        confidence=Confidence.MEDIUM,
                    )
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "exempt":
            if "csrf" in au.dotted(node.func.value).lower() and node.args:
                yield at_node(
                    CSRF_DISABLED,
                    ctx,
                    node,
                    f"{au.dotted(node.args[0])} is exempt from CSRF checks",
                    severity=Severity.MEDIUM,
                )
        elif (
            isinstance(node, ast.Assign)
            and {"MIDDLEWARE", "MIDDLEWARE_CLASSES"} & set(au.target_names(node))
            and isinstance(node.value, (ast.List, ast.Tuple))
        ):
            entries = [s for s in au.strings_in(node.value)]
            if any("SessionMiddleware" in e for e in entries) and not any("CsrfViewMiddleware" in e for e in entries):
                where = commented_out(ctx, node, "CsrfViewMiddleware")
                if installs_drf(ctx.tree):
                    yield at_node(CSRF_DISABLED, ctx, where, "Django MIDDLEWARE has no CsrfViewMiddleware (Django REST "
                                  "framework's session authentication checks CSRF on its own views, and the admin "
                                  "protects its own; plain Django views that take forms would not be checked)",
                                  severity=Severity.LOW)
                else:
                    yield at_node(CSRF_DISABLED, ctx, where, "Django MIDDLEWARE has no CsrfViewMiddleware")


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: a class-based view's handlers of methods that change state
_UNSAFE_HANDLERS = frozenset({"post", "put", "patch", "delete"})
#: Django's generic editing views, which answer POST with the base class's own handler
_EDITING_VIEW = re.compile(r"Form|Create|Update|Delete|Edit|APIView|ViewSet|GenericAPIView")


def _exempting(dec: ast.expr, imp: au.Imports) -> str:
    """The CSRF exemption a decorator applies (``@csrf_exempt``, ``@csrf.exempt``, Django's
    ``@method_decorator(csrf_exempt, name="dispatch")`` on a class-based view or one of its methods), or ``""``."""
    name = au.qualname(dec, imp)
    if isinstance(dec, ast.Call) and au.last(name) == "method_decorator" and dec.args:
        given = dec.args[0]
        wrapped = given.elts if isinstance(given, (ast.List, ast.Tuple)) else [given]
        return next((n for w in wrapped if (n := _exempting(w, imp))), "")
    if name.endswith(("csrf.exempt", "csrf_exempt")) or (au.last(name) == "exempt" and "csrf" in name):
        return name
    return ""


def _answers_safe_only(cls: ast.ClassDef, dec: ast.expr) -> bool:
    """A class-based view exempted by ``method_decorator(..., name="get")``, or one that defines only safe-method
    handlers and inherits no editing view: the exemption covers nothing CSRF protection checks."""
    named = au.str_const(au.kwarg(dec, "name")) if isinstance(dec, ast.Call) else None
    if named and named != "dispatch":
        return named not in _UNSAFE_HANDLERS
    handlers = {m.name for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return not (handlers & _UNSAFE_HANDLERS) and not any(_EDITING_VIEW.search(au.dotted(b)) for b in cls.bases)


def _safe_methods_only(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The function's route decorators (``@app.route('/x')``, ``methods=['GET']``, ``@bp.get``) accept only safe
    methods, which CSRF protection (Flask-WTF ``CSRFProtect``, Django) never checks. No route decorator: unknown."""
    methods: set[str] = set()
    for dec in fn.decorator_list:
        if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)):
            continue
        attr = dec.func.attr
        if attr == "route":
            given = au.kwarg(dec, "methods")
            listed = ["GET"] if given is None else au.const(given, None)
            if not isinstance(listed, (list, tuple, set)):
                return False  # computed methods: unknown
            methods.update(str(m).upper() for m in listed)
        elif attr in {"get", "head", "options", "post", "put", "patch", "delete"}:
            methods.add(attr.upper())
    return bool(methods) and methods <= _SAFE_METHODS


def _identity_name(node: ast.AST | None) -> str:
    """The cookie's literal name when it says identity or privilege. A CSRF token cookie (``_csrf_token``,
    ``XSRF-TOKEN``) names nobody: the double-submit check compares it with a header or field of the same
    request, so reading it unsigned grants nothing."""
    text = au.str_const(node) or ""
    return text if text and _IDENTITY.search(text) and not _ANTI_FORGERY.search(text) else ""


_ANTI_FORGERY = re.compile(r"csrf|xsrf", re.I)


@rule(UNSIGNED_COOKIE)
def check_unsigned_cookie(ctx: ModuleContext) -> Iterator[Finding]:
    """AS506 — Bottle ``request.get_cookie('user')`` / ``response.set_cookie('user', ...)`` without
    ``secret=``, Flask/Starlette ``request.cookies['user_id']`` / ``.get('role')``, Django ``request.COOKIES`` and
    CherryPy ``cherrypy.request.cookie['user']`` where the cookie name says identity or privilege; and any raw cookie a
    function decodes (base64, JSON, pickle) into state without a signature check (a hand-made session). A
    token-named cookie that the reading function verifies is a secret checked by the server, not reported."""
    if not au.mentions(ctx, _HINT_CHECK_UNSIGNED_COOKIE):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    framework_fix = fix_text(COOKIE_FIXES, module_framework(ctx))
    for node in au.nodes_of_any(ctx.tree, ast.Call, ast.Subscript):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            base = au.qualname(node.func.value, imp)
            if attr == "get_cookie" and au.kwarg(node, "secret") is None and len(node.args) < 3:
                name = _identity_name(au.arg(node, 0))
                if name:
                    yield at_node(
                        UNSIGNED_COOKIE,
                        ctx,
                        node,
                        f"cookie '{name}' is read without a signature (secret=)",
                        fix=framework_fix,
                    )
            elif attr == "set_cookie" and module_framework(ctx) == "bottle" and au.kwarg(node, "secret") is None:
                name = _identity_name(au.arg(node, 0))
                if name and not _clears_cookie(node):
                    yield at_node(
                        UNSIGNED_COOKIE,
                        ctx,
                        node,
                        f"cookie '{name}' is set unsigned (no secret=)",
                        severity=Severity.MEDIUM,
                        fix=framework_fix,
                        cookie=au.str_const(au.arg(node, 0)) or "",
                    )
            elif attr == "get" and base.endswith(_COOKIE_JARS):
                name = _identity_name(au.arg(node, 0))
                if name and "session" not in name.lower() and not _verified_token(ctx, node, name):
                    yield at_node(
                        UNSIGNED_COOKIE, ctx, node, f"identity read from the raw cookie '{name}'", fix=framework_fix
                    )
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            base = au.qualname(node.value, imp)
            if base.endswith(_COOKIE_JARS):
                name = _identity_name(node.slice)
                if name and "session" not in name.lower() and not _verified_token(ctx, node, name):
                    yield at_node(
                        UNSIGNED_COOKIE, ctx, node, f"identity read from the raw cookie '{name}'", fix=framework_fix
                    )
    yield from _decoded_session_cookies(ctx, imp, framework_fix)


_VERIFIERS = re.compile(r"hmac|compare_digest|itsdangerous|signer|serializer|verify|signature|jwt|jws|fernet|decrypt",
                        re.IGNORECASE)


def _verified_token(ctx: ModuleContext, node: ast.AST, name: str) -> bool:
    """A cookie named as a token or an authentication credential (``refresh_token``, ``auth_cookie``), not as a
    user or role, that the reading function verifies (``verify_refresh_token(...)``, ``jwt.decode``): a random or
    signed secret checked by the server, not an identity claim taken on trust."""
    if re.search(r"user|uid|role|admin|account|member|identity|is_", name, re.I):
        return False
    line = getattr(node, "lineno", 0)
    fn = next((f for f in au.functions(ctx.tree) if f.lineno <= line <= (f.end_lineno or f.lineno)), None)
    return fn is not None and bool(_VERIFIERS.search(ast.unparse(fn)))


def _raw_cookie_name(node: ast.AST, imp: au.Imports) -> str | None:
    """The cookie name of a raw read (``request.cookies.get('s')``, ``request.cookies['s']``, ``request.get_cookie
    ('s')`` without ``secret=``), else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        base = au.qualname(node.func.value, imp)
        if node.func.attr == "get" and base.endswith(_COOKIE_JARS):
            return au.str_const(au.arg(node, 0)) or "?"
        if node.func.attr == "get_cookie" and au.kwarg(node, "secret") is None and len(node.args) < 3:
            return au.str_const(au.arg(node, 0)) or "?"
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and au.qualname(node.value, imp).endswith(
            _COOKIE_JARS):
        return au.str_const(node.slice) or "?"
    return None


def _decoded_session_cookies(ctx: ModuleContext, imp: au.Imports, fix: str) -> Iterator[Finding]:
    """A hand-made session: a function reads a raw cookie and deserialises it (``json.loads``, ``pickle.loads``,
    after any base64 step) with no signature check anywhere in the function. A framework's signed session is never
    read from the raw cookie jar, so whatever its name, such a cookie is whatever the client wrote."""
    if not au.mentions(ctx, ("loads",)):  # cheap pre-filter: nothing is deserialised
        return
    reads = [(n, name) for n in au.nodes_of_any(ctx.tree, ast.Call, ast.Subscript)
             if (name := _raw_cookie_name(n, imp)) is not None]
    if not reads:
        return
    loads = [c for c in au.calls(ctx.tree) if au.last(au.dotted(c.func)) == "loads" and c.args]
    if not loads:
        return
    for fn in au.nodes_of_any(ctx.tree, ast.FunctionDef, ast.AsyncFunctionDef):
        lo, hi = getattr(fn, "lineno", 0), getattr(fn, "end_lineno", 0) or 0
        inside = [(n, name) for n, name in reads if lo <= getattr(n, "lineno", 0) <= hi]
        here = [c for c in loads if lo <= getattr(c, "lineno", 0) <= hi]
        if not inside or not here or not _loads_cookie(fn, inside, here) or _VERIFIERS.search(ast.unparse(fn)):
            continue
        node, name = inside[0]
        if _identity_name(ast.Constant(name)) and "session" not in name.lower():
            continue  # already reported as an identity cookie
        # a JSON cookie of the visitor's own choices (a cookie-consent banner's ``cookies_policy``, a theme): what
        # the visitor writes there changes only what they are shown
        preference = all(au.dotted(c.func).split(".")[0] == "json" for c in here) and bool(
            _PREFERENCE.search(f"{name} {getattr(fn, 'name', '')} {ast.unparse(node)}"))
        yield at_node(UNSIGNED_COOKIE, ctx, node, f"cookie '{name}' is decoded into state without a signature check"
                      + (" (the visitor's own preferences)" if preference else ""), fix=fix,
                      **({"severity": Severity.LOW} if preference else {}))


#: what a cookie of the visitor's own choices is named for
_PREFERENCE = re.compile(r"prefer|consent|cookies?_?polic|theme|dark_?mode|locale|language|timezone|dismiss",
                         re.IGNORECASE)


def _loads_cookie(fn: ast.AST, reads: list[tuple[ast.AST, str]], loads: list[ast.Call]) -> bool:
    """One of ``loads`` deserialises the cookie: its argument is a raw read or a variable assigned from one
    (``json.loads(base64.b64decode(cookie))``)."""
    read_ids = {id(n) for n, _ in reads}
    names: set[str] = set()
    for stmt in ast.walk(fn):
        if isinstance(stmt, ast.Assign) and any(id(n) in read_ids for n in ast.walk(stmt.value)):
            names.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
    for call in loads:
        for n in ast.walk(call.args[0]):
            if id(n) in read_ids or (isinstance(n, ast.Name) and n.id in names):
                return True
    return False


def _clears_cookie(call: ast.Call) -> bool:
    """``set_cookie(name, '', expires=0)`` / ``max_age=0``: the cookie is being deleted, nothing is trusted."""
    value = au.arg(call, 1, "value")
    if isinstance(value, ast.Constant) and value.value in ("", None):
        return True
    return any(au.const(au.kwarg(call, k), None) == 0 for k in ("expires", "max_age"))


def _dict_keys(node: ast.AST | None) -> set[str] | None:
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            return None  # **spread: unknown keys
        return {au.str_const(k) or "" for k in node.keys}
    if isinstance(node, ast.Call) and au.dotted(node.func) == "dict" and not node.args:
        return {kw.arg or "" for kw in node.keywords} if all(kw.arg for kw in node.keywords) else None
    return None


_UNITS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def _seconds(node: ast.AST | None) -> float:
    """A lifetime in seconds: a ``timedelta(...)`` of constants or a number; 0 when it cannot be read."""
    if isinstance(node, ast.Call) and au.last(au.dotted(node.func)) == "timedelta":
        parts = [(unit, au.kwarg(node, unit)) for unit in _UNITS]
        if node.args:
            parts.append(("days", node.args[0]))
        values = [(unit, au.const(v, 0)) for unit, v in parts if v is not None]
        return sum(_UNITS[u] * v for u, v in values if isinstance(v, (int, float)) and not isinstance(v, bool))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):  # ``60 * 60 * 24 * 365``
        return _seconds(node.left) * _seconds(node.right)
    value = au.const(node, None)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _huge(node: ast.AST | None) -> bool:
    return _seconds(node) > 31 * 86400


def _session_lifetime(key: str, node: ast.AST | None) -> tuple[str, Severity] | None:
    """A session cookie living more than a month (low), or more than a year (medium: a stolen cookie works for
    years)."""
    seconds = _seconds(node)
    if seconds > 366 * 86400:
        return f"{key} keeps a session alive for more than a year: a stolen session cookie works that long", \
            Severity.MEDIUM
    return (f"{key} is longer than a month", Severity.LOW) if seconds > 31 * 86400 else None


_HEADER_FIRST = ("joserfc.", "authlib.jose.", "authlib.")


def _jwt_claims(call: ast.Call, name: str) -> ast.AST | None:
    """The claims argument of a resolved ``encode``: joserfc ``jwt.encode(header, claims, key)`` and Authlib
    ``jwt.encode(header, payload, key)`` take the header first; PyJWT ``jwt.encode(payload, key)`` and
    python-jose ``jose.jwt.encode(claims, key)`` take the claims first."""
    if name.startswith(_HEADER_FIRST):
        return au.arg(call, 1, "claims") or au.kwarg(call, "payload")
    return au.arg(call, 0, "payload") or au.kwarg(call, "claims")


_COMPARE: dict[type[ast.cmpop], Callable[[float, float], bool]] = {
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Eq: operator.eq,
}


def _expiry_switched_off(tree: ast.Module, assigned: dict[str, ast.AST]) -> set[str]:
    """Module constants whose value turns off the branch that adds ``exp``: ``EXPIRE_MINUTES = 0`` with
    ``if EXPIRE_MINUTES > 0: claims.update({'exp': ...})`` issues tokens that never expire."""
    out: set[str] = set()
    top = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    for node in au.nodes_of_any(tree, ast.If):
        if not isinstance(node, ast.If) or "exp" not in {s for b in node.body for s in au.strings_in(b)}:
            continue
        test, name, value, compare = node.test, "", None, None
        if isinstance(test, ast.Name):
            name = test.id
        elif (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name)
              and type(test.ops[0]) in _COMPARE and isinstance(test.comparators[0], ast.Constant)):
            name, value, compare = test.left.id, test.comparators[0].value, _COMPARE[type(test.ops[0])]
        literal = au.const(assigned.get(name), ...) if name in top else ...
        if not isinstance(literal, (int, float)):
            continue
        if compare is None:
            if not literal:
                out.add(name)
        elif isinstance(value, (int, float)) and not compare(literal, value):
            out.add(name)
    return out


def _wraps_expiring_record(tree: ast.AST, call: ast.Call, payload: ast.AST | None) -> bool:
    """The JWT only wraps fields of a stored record (``{'token': self.access_token}`` in a method of a model with
    an ``access_expiration`` field): the lifetime lives in the record, checked where the token is looked up."""
    if not isinstance(payload, ast.Dict) or not payload.values or not all(
            isinstance(v, ast.Attribute) and isinstance(v.value, ast.Name) and v.value.id == "self"
            for v in payload.values):
        return False
    owner = next((c for c in au.nodes_of(tree, ast.ClassDef) if any(n is call for n in au.walk(c))), None)
    if owner is None:
        return False
    fields = {t.id for s in owner.body if isinstance(s, (ast.Assign, ast.AnnAssign))
              for t in ([s.target] if isinstance(s, ast.AnnAssign) else s.targets) if isinstance(t, ast.Name)}
    return any("expir" in f.lower() for f in fields)


def _keys_added(tree: ast.AST, name: str) -> set[str]:
    """Claims put into the payload dict after it was made: ``payload["exp"] = ...``, ``payload.update({"exp": ...})``,
    ``payload.update(exp=...)``."""
    keys: set[str] = set()
    for node in au.nodes_of_any(tree, ast.Assign, ast.Call):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name:
                    key = au.subscript_key(t)
                    if isinstance(key, str):
                        keys.add(key)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update"
              and isinstance(node.func.value, ast.Name) and node.func.value.id == name):
            keys.update(kw.arg for kw in node.keywords if kw.arg)
            for arg in node.args:
                keys.update(_dict_keys(arg) or ())
    return keys


def _wrapper_adds_exp(ctx: ModuleContext, call: ast.Call) -> bool:
    """``JWTHandler.encode(payload={...})``: a project class whose ``encode`` sets the ``exp`` claim itself
    (``payload.update({"exp": ...})``) issues expiring tokens whatever payload it is given."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id[:1].isupper()):
        return False
    cls = class_def(ctx, func.value.id)
    methods = [] if cls is None else [m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
    method = next((m for m in methods if m.name == func.attr), None)
    return method is not None and any(
        (isinstance(n, ast.Constant) and n.value == "exp") or (isinstance(n, ast.keyword) and n.arg == "exp")
        for n in ast.walk(method))


#: claim names that hold a token's own expiry time (``expire_time``, ``expires_at``, ``valid_until``)
_EXPIRY_CLAIM = re.compile(r"^(?:exp_?\w+|expir\w*|\w*_exp|\w*expires?(?:_?(?:at|on|time|in))?|valid_?until|"
                           r"not_?after)$", re.IGNORECASE)


def _own_expiry_checked(tree: ast.AST, keys: set[str]) -> str:
    """The payload's own expiry claim (``expire_time``) when the module compares it with something
    (``payload["expire_time"] > now``): the application checks the lifetime itself; else ``""``."""
    claims = {k for k in keys if _EXPIRY_CLAIM.match(k)}
    if not claims:
        return ""
    for cmp in au.nodes_of(tree, ast.Compare):
        assert isinstance(cmp, ast.Compare)
        for side in [cmp.left, *cmp.comparators]:
            key = au.subscript_key(side) if isinstance(side, ast.Subscript) else (
                au.const(side.args[0], None) if isinstance(side, ast.Call) and au.last(au.dotted(side.func)) == "get"
                and side.args else None)
            if key in claims:
                return str(key)
    return ""


@rule(LIFETIME)
def check_lifetime(ctx: ModuleContext) -> Iterator[Finding]:
    """AS507 — ``jwt.encode({...})`` of a payload literal without ``exp`` (claims added later with
    ``payload["exp"] = ...`` or ``payload.update(...)`` count), ``options={'verify_exp': False}``,
    ``JWT_ACCESS_TOKEN_EXPIRES = False`` or more than 31 days, a session lifetime (Flask's
    ``PERMANENT_SESSION_LIFETIME``, Django's ``SESSION_COOKIE_AGE``) over 31 days (medium over a year), and a
    module constant whose value skips the branch that adds ``exp`` (``EXPIRE_MINUTES = 0`` with ``if
    EXPIRE_MINUTES > 0: payload['exp'] = ...``). A JWT that only wraps fields of a model with its own expiry field
    (an opaque token stored with ``access_expiration``) is low: its lifetime is the stored record's. A project
    wrapper (``JWTHandler.encode(payload=...)``) whose own ``encode`` sets ``exp`` issues expiring tokens."""
    if not au.mentions(ctx, _HINT_CHECK_LIFETIME):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    assigned: dict[str, ast.AST] = {}
    for node in au.nodes_of_any(ctx.tree, ast.Assign):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = node.value
    expiry_off = _expiry_switched_off(ctx.tree, assigned)
    for node in au.nodes_of_any(ctx.tree, ast.Call, ast.Assign):
        if isinstance(node, ast.Call):
            name = au.call_name(node, imp)
            if au.last(name) == "encode" and ("jwt" in name.lower() or "jose" in name) and not _wrapper_adds_exp(
                    ctx, node):
                payload: ast.AST | None = _jwt_claims(node, name)
                added: set[str] = set()
                if isinstance(payload, ast.Name):
                    added = _keys_added(ctx.tree, payload.id)
                    payload = assigned.get(payload.id)
                keys = _dict_keys(payload)
                keys = None if keys is None else set(keys) | added
                if keys is not None and "exp" not in keys:
                    own = _own_expiry_checked(ctx.tree, keys)
                    if own:
                        yield at_node(LIFETIME, ctx, node, f"JWT without 'exp' carries its own expiry claim '{own}', "
                                      "which the code compares with the clock: bounded if every use checks it",
                                      severity=Severity.LOW)
                    elif _wraps_expiring_record(ctx.tree, node, payload):
                        yield at_node(LIFETIME, ctx, node, "JWT without 'exp' wraps a stored record that carries its "
                                      "own expiry: bounded if that expiry is checked", severity=Severity.LOW)
                    else:
                        yield at_node(LIFETIME, ctx, node, "JWT issued without an 'exp' claim never expires")
            options = au.kwarg(node, "options")
            if options is not None and au.last(name) == "decode":
                value = au.const(options if not isinstance(options, ast.Name) else assigned.get(options.id), {})
                if isinstance(value, dict) and value.get("verify_exp") is False:
                    yield at_node(
                        LIFETIME,
                        ctx,
                        node,
                        "jwt.decode() with verify_exp False accepts expired tokens",
                        severity=Severity.HIGH,
                    )
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                key = au.subscript_key(t) if isinstance(t, ast.Subscript) else au.last(au.dotted(t))
                if isinstance(t, ast.Name) and t.id in expiry_off:
                    yield at_node(LIFETIME, ctx, node, f"{t.id} = {au.const(node.value, None)!r} switches the "
                                  "tokens' 'exp' claim off: they never expire")
                elif key == "JWT_ACCESS_TOKEN_EXPIRES" and (au.is_false(node.value) or _huge(node.value)):
                    yield at_node(LIFETIME, ctx, node, "JWT_ACCESS_TOKEN_EXPIRES disables or stretches expiry")
                elif key in ("PERMANENT_SESSION_LIFETIME", "SESSION_COOKIE_AGE") and (
                        long_lived := _session_lifetime(key, node.value)):
                    yield at_node(LIFETIME, ctx, node, long_lived[0], severity=long_lived[1])


__all__ = ["CSRF_DISABLED", "LIFETIME", "UNSIGNED_COOKIE"]
