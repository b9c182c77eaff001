"""Shared pieces of the framework models: function summaries, decorator classification, public paths.

A project-defined decorator, ``before_request`` hook, CherryPy tool or FastAPI dependency counts as
authentication when its body *rejects* unauthenticated requests: ``abort(401)``, ``raise Unauthorized``,
``raise HTTPException(status_code=403)``, ``raise cherrypy.HTTPError(401)``, ``return ..., 401`` or a
redirect to the login page. Names alone (``login_required``, ``jwt_required``) are recognised for the
well-known libraries.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator, Mapping

from apishield.audit import astutil as au
from apishield.audit.frameworks.dependencies import SECURITY_SCHEMES, fastapi_dependencies
from apishield.audit.frameworks.factories import factory_returns, split_call
from apishield.audit.frameworks.guards import (
    ACTS_FIRST,
    first_calls,
    raises_refusal,
    refuses_bad_header_credential,
    refuses_bad_signature,
)
from apishield.audit.frameworks.hook_exemptions import REQUEST_TARGET, exemptions
from apishield.audit.frameworks.identity import refuses_without_session_identity
from apishield.audit.frameworks.pages import computes_only, renders_fixed_page
from apishield.audit.frameworks.path_words import (
    AUTH_FLOW,
    AVAILABILITY,
    PUBLIC_ANYWHERE,
    PUBLIC_LAST,
    sign_in_last,
)
from apishield.audit.frameworks.role_checks import checks_roles, names_role, refuses_unless_predicate
from apishield.audit.model import AUTH, CSRF, HEADERS, RATE, FuncSummary

SECURITY_HEADERS = (
    "content-security-policy",
    "strict-transport-security",
    "x-frame-options",
    "x-content-type-options",
)
_REJECT_CALLS = {
    "abort",
    "HTTPError",
    "HTTPException",
    "HTTPResponse",
    "Response",
    "make_response",
    "JSONResponse",
    "jsonify",
    "error",
    "HTTPStatus",
}
_CALL_NAMES = frozenset(_REJECT_CALLS | {"redirect", "unauthorized", "unauthorized_handler"})
_AUTH_NAME = re.compile(
    r"(login|auth|oauth2?|oidc|token|jwt|api_?key|session|signed_in|logged_in|user|key|bearer|basic)_?"
    r"(required|needed|only)"
    r"|^requires?_?(o?auth\w*|login|token|jwt|api_?key|user|scopes?|roles?|permissions?|admin|key|bearer)$"
    r"|^(accept_token|validate_bearer|require_oidc)$"
    r"|^(authenticated?|authorize[d]?|protected|auth_basic|basic_auth|digest_auth|check_auth|verify_token"
    r"|authenticate|secured?|require|requires|auth|jwt_auth|token_auth|api_key_auth|has_role|has_permission"
    r"|roles_required|roles_accepted|permission_required|permissions_required|auth_token_required"
    r"|http_auth_required|admin_required|staff_member_required|superuser_required|get_current_user"
    r"|get_current_\w*user|current_\w*user|verify_api_key|check_api_key|validate_token|get_api_key"
    r"|verify_jwt|decode_token|require_auth|session_auth|basic_auth|auth_digest)$",
    re.IGNORECASE,
)
_RATE_NAME = re.compile(r"limit|throttl|ratelimit|rate_limit", re.IGNORECASE)
_PUBLIC_NAME = re.compile(
    r"^(public|allow_anonymous|no_auth|auth_exempt|login_exempt|unauthenticated|anonymous)$", re.IGNORECASE
)
_CSRF_EXEMPT = re.compile(r"csrf_exempt|csrf\.exempt|exempt_csrf|^exempt$", re.IGNORECASE)
_OPTIONAL = re.compile(r"optional", re.IGNORECASE)
#: ``jwt_optional``, ``login_optional``, ``optional_auth``: the route is declared open to anonymous callers
_OPTIONAL_AUTH = re.compile(r"(jwt|auth|login|token|user|session)\w*optional|optional\w*(jwt|auth|login|token|user)",
                            re.IGNORECASE)

#: extension class -> (kinds it provides app-wide, keyword that must be present for it to count)
EXTENSIONS: dict[str, tuple[set[str], tuple[str, ...]]] = {
    "Limiter": ({RATE}, ("default_limits", "application_limits")),
    "Talisman": ({HEADERS}, ()),
    "CSRFProtect": ({CSRF}, ()),
    "SeaSurf": ({CSRF}, ()),
    "Shield": ({AUTH, RATE, CSRF, HEADERS}, ()),
    "SecureHeaders": ({HEADERS}, ()),
}


_PARAM = re.compile(r"^(<[^>]*>|\{[^}]*\}|:\w+)$")


def static_segments(path: str) -> list[str]:
    return [s for s in path.strip("/").split("/") if s and not _PARAM.match(s)]


_SIGN_IN_WORDS = frozenset({"login", "logout", "signin", "signup", "register"})
_SIGN_UP = re.compile(r"^(?:create|new|add)[-_]?(?:user|account)$")
_STAFF = re.compile(r"admin|manage|staff|internal|backoffice", re.IGNORECASE)
_PUBLIC_HANDLER = re.compile(
    r"^(health\w*|ping|static|docs|(\w+_)?log_?in\w*|log_?out|sign_?(in|up|out)\w*|register\w*|forgot_password|"
    r"reset_password|password_reset|activate\w*|oauth\w*callback|\w*_callback)$"
)


def public_by_design(path: str, handler: str, methods: tuple[str, ...], static_page: bool = False) -> str:
    """Why ``path`` is public by design (health, login and sign-up flows, docs, static, the index page, a page
    that only renders a fixed template), or ``""``."""
    segs = [s.lower() for s in static_segments(path)]
    if methods and set(methods) <= {"OPTIONS"}:
        return "CORS preflight"
    if not path.strip("/") and set(methods) <= {"GET", "HEAD"}:
        return "index page"
    for seg in segs:
        if seg in PUBLIC_ANYWHERE or seg in AUTH_FLOW:
            return seg
    if segs and segs[-1] in PUBLIC_LAST:
        return segs[-1]
    if segs and re.split(r"[-_.]", segs[-1])[-1] in _SIGN_IN_WORDS:  # ``/admin-login``, ``/user_register``
        return segs[-1]
    if segs and _SIGN_UP.match(segs[-1]) and not any(_STAFF.search(s) for s in segs[:-1]):
        return "sign-up"  # ``/createuser``, ``/new-account``; ``/admin/create_user`` is an administrator's action
    name = handler.rsplit(".", 1)[-1].lower()
    if _PUBLIC_HANDLER.match(name):
        return name
    if _availability_check(path, segs, name, methods):
        return "availability check"
    if static_page:  # whatever the method: the handler reads nothing and does nothing else
        return "fixed page"
    return ""


def _availability_check(path: str, segs: list[str], name: str, methods: tuple[str, ...]) -> bool:
    """A sign-up form's check that a user name or e-mail is free: a read whose last word says so
    (``/user/check/{username}``, ``/users/exists?email=``, ``check_registration``) about a user name or e-mail."""
    if not methods or not set(methods) <= {"GET", "HEAD"}:
        return False
    asks = any(seg in AVAILABILITY for seg in segs[-2:]) or bool(_AVAILABILITY_HANDLER.search(name))
    return asks and bool(_USER_WORD.search(path + " " + name))


_AVAILABILITY_HANDLER = re.compile(r"check_(?:registration|username|user_?name|email)|(?:username|email)_(?:available|"
                                   r"exists|taken)|is_(?:username|email)_(?:available|free|taken)")
_USER_WORD = re.compile(r"user|login|e-?mail|nick", re.IGNORECASE)


def is_auth_endpoint(path: str, handler: str, takes_credentials: bool = True) -> bool:
    """A route that checks credentials: its path ends in ``login``/``token``/``otp``/…, or its handler is named so
    and it reads credentials from the request (``takes_credentials``: a body, a form or credential parameters;
    ``password_policy()`` returning a constant checks nothing)."""
    segs = [s.lower() for s in static_segments(path)]
    if sign_in_last(segs):
        return True
    name = handler.rsplit(".", 1)[-1].lower()
    return bool(_AUTH_HANDLER.search(name)) and "logout" not in name and takes_credentials


_AUTH_HANDLER = re.compile(r"login|signin|sign_in|otp|mfa|reset_password|forgot|authenticate|password")


_BODY_ATTRS = frozenset({"json", "form", "forms", "get_json", "data", "body", "POST", "files", "params", "values",
                         "authorization"})
_CREDENTIAL_PARAM = re.compile(r"pass|pwd|otp|code|token|secret|user|email|login|credential|form|body|data|payload",
                               re.IGNORECASE)


def reads_credentials(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Does the handler read what a client would authenticate with: the request body, form, JSON, the
    ``Authorization`` header, or parameters named like credentials (``username``, ``password``, a body model)?"""
    params = [a for a in [*fn.args.args, *fn.args.kwonlyargs] if a.arg not in {"self", "cls", "request"}]
    if any(_CREDENTIAL_PARAM.search(a.arg) for a in params):
        return True
    return any(isinstance(n, ast.Attribute) and n.attr in _BODY_ATTRS for n in ast.walk(fn))


def _status_of(node: ast.AST | None) -> int | None:
    if node is None:
        return None
    value = au.const(node)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value[:3].isdigit():
        return int(value[:3])
    name = au.dotted(node)
    match = re.search(r"(\d{3})", name)
    if match and ("HTTP" in name or "status" in name):
        return int(match.group(1))
    if name.endswith(("UNAUTHORIZED", "FORBIDDEN")):
        return 401 if name.endswith("UNAUTHORIZED") else 403
    return None


_SIGN_IN_PAGE = ("login", "signin", "sign_in", "log_in", "authenticate")


def _to_sign_in(call: ast.Call) -> bool:
    """A redirect whose target names the sign-in page (``url_for(".authenticate")``, ``"/login?next=..."``)."""
    text = " ".join(au.strings_in(call)).lower()
    return any(word in text for word in _SIGN_IN_PAGE)


#: a test that asks whether a form was submitted, not who is asking
_SUBMISSION_TEST = frozenset({"method", "validate_on_submit", "validate", "is_valid", "is_submitted"})


def _refusal_places(body: ast.AST) -> set[int]:
    """Where a redirect to the sign-in page is a refusal: under a condition other than a submission test
    (``request.method == 'POST'``, ``form.validate_on_submit()``), in an ``except`` block, or as the body's first
    statement (nobody is served). One anywhere else is the handler's answer once it has done its work (``create the
    account, then go to the login page``)."""
    places: set[int] = set()
    for node in ast.walk(body):
        if isinstance(node, ast.If) and not {au.last(au.dotted(n)) for n in ast.walk(node.test)} & _SUBMISSION_TEST:
            places |= {id(n) for branch in (*node.body, *node.orelse) for n in ast.walk(branch)}
        elif isinstance(node, ast.ExceptHandler):
            places |= {id(n) for n in ast.walk(node)}
    statements = getattr(body, "body", [])
    code = [s for s in statements if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if code and isinstance(code[0], (ast.Return, ast.Raise, ast.Expr)):
        places |= {id(n) for n in ast.walk(code[0])}
    return places


def rejects_unauthenticated(body: ast.AST, imports: au.Imports) -> bool:
    """Does this code refuse the request with 401/403 (or send the client to the login page, or return early when
    the session holds no signed-in user)? A redirect to the login page after the work is done is no refusal."""
    if isinstance(body, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            refuses(body) for refuses in (refuses_without_session_identity, refuses_bad_signature,
                                          refuses_bad_header_credential)):
        return True
    places: set[int] | None = None

    def refuses_there(node: ast.AST) -> bool:
        nonlocal places
        if places is None:  # read the body's shape only when a redirect to the sign-in page is met
            places = _refusal_places(body)
        return id(node) in places

    for node in au.nodes_of_any(body, ast.Raise, ast.Call, ast.Return, ast.Return, ast.Assign, ast.Attribute):
        if isinstance(node, ast.Raise) and node.exc is not None:
            name = au.last(au.dotted(node.exc))
            if raises_refusal(node.exc):
                return True
            if "redirect" in name.lower() and isinstance(node.exc, ast.Call) and _to_sign_in(node.exc) and (
                    refuses_there(node)):
                return True  # CherryPy's HTTPRedirect, aiohttp's HTTPFound, an app's own Redirect303 to the sign-in
            if (isinstance(node.exc, ast.Call) and name in _REJECT_CALLS | {"HTTPError", "HTTPException"}) and (
                _rejects_call(node.exc)
            ):
                return True
            if isinstance(node.exc, ast.Call) and any(
                    k.arg in {"status", "status_code", "code"} and _status_of(k.value) in (401, 403)
                    for k in node.exc.keywords):
                return True  # the app's own exception given the status (``JSONException({...}, status=401)``)
        elif isinstance(node, ast.Call):
            name = au.last_call_name(node, imports, _CALL_NAMES)
            if name in _REJECT_CALLS and _rejects_call(node):
                return True
            if name == "redirect" and _to_sign_in(node) and refuses_there(node):
                return True
            if name == "unauthorized" or name == "unauthorized_handler":
                return True
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            if any(_status_of(e) in (401, 403) for e in node.value.elts[1:]):
                return True
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
            # return as_json({...}, 401) / return error_response(403, ...)
            values = [*node.value.args, *(kw.value for kw in node.value.keywords)]
            if any(isinstance(v, ast.Constant) and v.value in (401, 403) for v in values):
                return True
        elif isinstance(node, ast.Assign):
            # response.status = 401 (Bottle / CherryPy)
            if (any(au.dotted(t).endswith(("status", "status_code")) for t in node.targets)) and (
                _status_of(node.value) in (401, 403)
            ):
                return True
        elif isinstance(node, ast.Attribute) and node.attr in {"HTTP_401_UNAUTHORIZED", "HTTP_403_FORBIDDEN"}:
            return True
    return False




def refusing_helper(fn: ast.FunctionDef | ast.AsyncFunctionDef,
                    funcs: dict[str, ast.FunctionDef | ast.AsyncFunctionDef], imports: au.Imports) -> str | None:
    """The module's own function ``fn`` calls first (before any branch, loop or answer) when it refuses
    unauthenticated callers itself (``claims = decode_token(authorization)`` raising ``HTTPException(401)``)."""
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    for statement in body[:4]:
        if isinstance(statement, ACTS_FIRST):
            return None
        value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.Expr)) else None
        if isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call):
            callee = funcs.get(au.last(au.dotted(value.func)))
            if callee is not None and callee is not fn and rejects_unauthenticated(callee, imports):
                return callee.name
    return None


def _rejects_call(call: ast.Call, depth: int = 0) -> bool:
    """The call is given a 401/403 status, directly or through the helper that builds its answer
    (``abort(problem(401, 'No token'))``)."""
    candidates = list(call.args[:2]) + [kw.value for kw in call.keywords if kw.arg in {"status", "status_code", "code"}]
    return any(_status_of(c) in (401, 403) or (isinstance(c, ast.Call) and depth < 1 and _rejects_call(c, depth + 1))
               for c in candidates)


def sets_security_headers(body: ast.AST) -> bool:
    return any(s.lower() in SECURITY_HEADERS for s in au.strings_in(body))


# a function whose source mentions none of these (ignoring case) cannot match any summary check below
_SUMMARY_HINTS = (
    # rejects unauthenticated requests
    "401", "403", "abort",
    "unauthori", "authenticat", "logged", "signed_in", "current_user", "api_key", "denied", "token", "verify",
    "forbidden", "signature", "compare_digest",
    "redirect",
    "login",
    "signin",
    "permission",
    "notauthenticated",
    "authenticationfailed",
    "autherror",
    "invalidtoken",
    "noauthorization",
    "authorizationerror",
    "httperror",
    "httpexception",
    "http_40",
    # sets security headers
    "content-security-policy",
    "strict-transport-security",
    "x-frame-options",
    "x-content-type",
    # roles, rate limits, CSRF
    "role",
    "admin",
    "staff",
    "superuser", "scope",
    "limit",
    "throttl",
    "429",
    "csrf", "xsrf", "validate_on_submit",
)


def summarise(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, imports: au.Imports, schemes: set[str], text: str | None = None,
    collections: Mapping[str, object] | None = None,
) -> FuncSummary:
    """Summarise one function: see :class:`~apishield.audit.model.FuncSummary`.

    ``text`` (the function's source) lets cheap regular expressions skip the tree walks for the many
    functions that mention nothing protection-related; ``collections`` are the module's literal collections, which
    a hook's exemptions may name.
    """
    summary = FuncSummary(name=fn.name, line=fn.lineno)
    summary.decorators = [au.qualname(d, imports) for d in fn.decorator_list]
    summary.calls = tuple(dict.fromkeys(au.last(au.dotted(c.func)) for c in au.calls(fn) if au.dotted(c.func)))
    summary.first_calls = first_calls(fn)
    for dep in fastapi_dependencies(fn.args, imports):
        summary.depends_on.append(dep)
        if au.last(split_call(dep)[0]) in schemes or au.last(split_call(dep)[0]) in SECURITY_SCHEMES:
            summary.auth_dependency = True
    for a in [*fn.args.args, *fn.args.kwonlyargs]:
        if a.annotation is not None and any(au.last(au.dotted(n)) in SECURITY_SCHEMES for n in au.walk(a.annotation)):
            summary.auth_dependency = True
    summary.static_page = renders_fixed_page(fn)
    summary.computes_only = computes_only(fn)
    summary.returns, summary.flag_defaults = factory_returns(fn)
    # only consulted for handlers named like a login (AS202): skip the walk for every other function
    summary.reads_credentials = not _AUTH_HANDLER.search(fn.name.lower()) or reads_credentials(fn)
    summary.exempts = exemptions(fn, collections) if text is None or REQUEST_TARGET.search(text) else ()
    if text is not None:
        low = au.folded(text)
        if not any(word in low for word in _SUMMARY_HINTS):
            summary.rejects_unauth = "session" in low and refuses_without_session_identity(fn)  # the only check left
            return summary
    summary.rejects_unauth = rejects_unauthenticated(fn, imports)
    summary.security_headers = sets_security_headers(fn)
    summary.checks_roles = checks_roles(fn) or (names_role(fn.name) and refuses_unless_predicate(fn))
    strings = " ".join(au.strings_in(fn, docstrings=False)).lower()
    names = {n.id.lower() for n in au.walk(fn) if isinstance(n, ast.Name)} | {
        n.attr.lower() for n in au.walk(fn) if isinstance(n, ast.Attribute)
    }
    summary.rate_limits = (
        any(_RATE_NAME.search(n) for n in names)
        or " 429" in f" {strings}"
        or any(_status_of(c.args[0] if c.args else None) == 429 for c in au.calls(fn))
    )
    summary.checks_csrf = (("csrf" in strings or "xsrf" in strings or any("csrf" in n for n in names)) and any(
        isinstance(n, ast.Compare) or (isinstance(n, ast.Call) and au.last(au.dotted(n.func)) == "compare_digest")
        for n in au.walk(fn)
    )) or "validate_on_submit" in names  # Flask-WTF: a FlaskForm checks its CSRF token when it validates
    return summary


def listings_upwards(directory: str, levels: int) -> Iterator[tuple[int, str, list[str]]]:
    """``directory`` and up to ``levels - 1`` of its parents, nearest first, each as (level, directory, its entry
    names sorted): where a module's URL configuration or OpenAPI specification may sit. Stops at the first directory
    that cannot be listed, and at the file system's root."""
    for level in range(levels):
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            return
        yield level, directory, names
        parent = os.path.dirname(directory)
        if parent == directory:
            return
        directory = parent


def classify_name(name: str) -> set[str]:
    """Protection kinds a decorator/dependency/plugin name suggests, plus ``public``/``role``/``csrf_exempt``."""
    tail = au.last(name)
    kinds: set[str] = set()
    if _CSRF_EXEMPT.search(name):
        return {"csrf_exempt"}
    if _PUBLIC_NAME.match(tail) or _OPTIONAL_AUTH.search(tail):
        return {"public"}
    if tail.lower() in {
        "limit",
        "shared_limit",
        "ratelimit",
        "rate_limit",
        "throttle",
        "ratelimiter",
        "limiter",
        "rate_limited",
        "throttled",
    } or _RATE_NAME.search(tail):
        kinds.add(RATE)
    if "apishield" in name.lower() or name.lower().startswith("shield.") or tail == "Shield":
        kinds.update({AUTH, RATE, CSRF, HEADERS})
    if _AUTH_NAME.search(tail) and not _OPTIONAL.search(tail):
        kinds.add(AUTH)
    if names_role(tail) and AUTH in kinds:
        kinds.add("role")
    if re.search(r"csrf|xsrf", tail, re.IGNORECASE):
        kinds.add(CSRF)
    if re.search(r"talisman|secure_?headers|security_?headers|response_headers|hsts|(?:^|_)csp(?:_|$)|"
                 r"content_?security_?policy|x?frame_?options", tail, re.IGNORECASE):
        kinds.add(HEADERS)  # flask_csp's ``@csp_header``, django-csp's ``@csp_update``, ``@xframe_options_deny``
    return kinds


_ROLE_KWARGS = frozenset({"roles", "role", "groups", "group", "permissions", "permission", "scopes", "scope"})
_ROLE_CALL = re.compile(r"member_?of|in_?groups?|has_?(role|permission|scope)s?|roles?|groups?|permissions?|"
                        r"scopes?|admin", re.IGNORECASE)


def role_arguments(call: ast.Call) -> bool:
    """A decorator or a dependency object is given the roles it admits: ``@require(roles=['admin'])``,
    ``AuthenticateWrite(require_scope="admin:token")``, ``Checker(required_permissions=[...])`` (an empty or ``None``
    value restricts nothing)."""
    for k in call.keywords:
        name = re.sub(r"^(require[ds]?|needs?|allowed)_", "", k.arg or "")
        empty = (isinstance(k.value, ast.Constant) and not k.value.value) or (
            isinstance(k.value, (ast.List, ast.Tuple, ast.Set)) and not k.value.elts)
        if name in _ROLE_KWARGS and not empty:
            return True
    return False


def roles_from_decorators(decorators: list[ast.expr], imports: au.Imports) -> str:
    """How a route's decorators restrict it to roles, or ``""``: ``@require(roles=['admin'])``,
    ``@roles_required('admin')``, or an authentication decorator given a role or group
    (``@require_auth(member_of('admin'))``, ``@login_required('admin')``, ``@requires_auth(['staff'])``)."""
    for dec in decorators:
        if not isinstance(dec, ast.Call):
            continue
        name = au.qualname(dec.func, imports)
        if role_arguments(dec):
            return f"{au.dotted(dec.func)}(roles=...)"
        kinds = classify_name(name)
        if AUTH not in kinds or not dec.args:
            continue
        if "role" in kinds:
            return f"{au.dotted(dec.func)}(...)"
        for a in dec.args:
            role_call = isinstance(a, ast.Call) and _ROLE_CALL.search(au.last(au.dotted(a.func)))
            literal = au.str_const(a) is not None or (
                isinstance(a, (ast.List, ast.Tuple, ast.Set)) and a.elts and all(au.str_const(e) for e in a.elts))
            if role_call or literal:
                return f"{au.dotted(dec.func)}({ast.unparse(a)[:40]})"
    return ""


def merge(into: dict[str, str], kinds: set[str], how: str) -> None:
    for kind in kinds:
        if kind in (AUTH, RATE, CSRF, HEADERS):
            into.setdefault(kind, how)


def join_path(*parts: str) -> str:
    out = ""
    for p in parts:
        if not p:
            continue
        out = out.rstrip("/") + "/" + p.lstrip("/")
    if not out:
        return "/"
    return out if out.startswith("/") else "/" + out


__all__ = [
    "SECURITY_HEADERS",
    "SECURITY_SCHEMES",
    "classify_name",
    "is_auth_endpoint",
    "join_path",
    "merge",
    "public_by_design",
    "refusing_helper",
    "rejects_unauthenticated",
    "sets_security_headers",
    "static_segments",
    "summarise",
]
