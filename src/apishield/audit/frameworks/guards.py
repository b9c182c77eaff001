"""Refusals that raise: what a ``raise`` says about the request it ends.

A guard refuses a request as surely by raising as by ``abort(401)``: ``raise Unauthorized``, ``raise
HTTPException(status_code=403)``, or the application's own exception class (``raise AppError("Unauthorized")``,
which its error handler turns into a response). A raise counts as a refusal of the caller when its class is named
for one (``Unauthorized``, ``Forbidden``, ``PermissionDenied``, ``AuthError``, ``ApiUnauthorizedException``…) or
when the message it carries says so (``"Unauthorized"``, ``"authentication required"``, ``"not logged in"``).

Whatever it raises, a guard that tests a failed authentication check — ``if not authenticate_customer(): raise
...`` — refuses the caller too; that test is recognised with the inline identity checks
(:mod:`apishield.audit.frameworks.identity`).
"""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au

REJECT_EXCEPTIONS = frozenset({
    "Unauthorized",
    "Forbidden",
    "NotAuthenticated",
    "PermissionDenied",
    "AuthenticationFailed",
    "HTTPUnauthorized",
    "HTTPForbidden",
    "AuthError",
    "AuthenticationError",
    "UnauthorizedError",
    "InvalidTokenError",
    "NoAuthorizationError",
    "AuthorizationError",
})
#: exception classes named for a refused caller (``ApiUnauthorizedError``, ``UserForbiddenException``)
_REFUSAL_CLASS = re.compile(r"Unauthori[sz]ed|Forbidden|NotAuthenticated|PermissionDenied|AccessDenied"
                            r"|(?:^|[a-z])Auth(?:entication|orization)?(?:Error|Exception|Failed|Failure)$")
#: messages that say the caller was refused
_REFUSAL_MESSAGE = re.compile(
    r"\bunauthori[sz]ed\b|\bforbidden\b|\bnot (?:authenticated|logged[ -]?in|signed[ -]?in|authori[sz]ed)\b"
    r"|\b(?:authentication|login|sign[ -]?in|credentials?) (?:is |are )?required\b|\baccess denied\b"
    r"|\bpermission denied\b",
    re.IGNORECASE,
)


def raises_refusal(exc: ast.expr) -> bool:
    """Does ``raise <exc>`` refuse the caller, by the class it names or by the message it carries?"""
    name = au.last(au.dotted(exc.func if isinstance(exc, ast.Call) else exc))
    if name in REJECT_EXCEPTIONS or (name and _REFUSAL_CLASS.search(name)):
        return True
    if not isinstance(exc, ast.Call):
        return False
    message = au.str_const(au.arg(exc, 0, "message")) or au.str_const(au.kwarg(exc, "detail")) or ""
    return bool(_REFUSAL_MESSAGE.search(message))


#: exception classes named for a signature that did not verify (itsdangerous' ``BadSignature``, cryptography's
#: ``InvalidSignature``, Stripe's ``SignatureVerificationError``, an application's ``SignatureMatchError``)
_SIGNATURE_FAILURE = re.compile(r"(?i)^(?:bad|invalid|wrong)_?signature|"
                                r"signature\w*(?:error|exception|mismatch|invalid)$")


def raises_or_aborts(statement: ast.stmt | None) -> bool:
    """The statement ends the request without answering it itself: ``raise ...`` or ``abort(...)``."""
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        return au.last(au.dotted(statement.value.func)) == "abort"
    return isinstance(statement, ast.Raise)


def ends_the_request(statements: list[ast.stmt]) -> bool:
    """The block answers or raises last (``raise HTTPException(400)``, ``return ..., 400``, ``abort(403)``)."""
    last = statements[-1] if statements else None
    return raises_or_aborts(last) or isinstance(last, ast.Return)


def refuses_bad_signature(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Does the handler refuse a request whose signature does not verify? A webhook receiver authenticates its
    sender by an HMAC of the body, not by a session: ``except SignatureMatchError: raise HTTPException(400)`` around
    the helper that checks it, or ``if not hmac.compare_digest(expected, given): abort(401)``. A comparison of a CSRF
    token is not one: it says nothing about who sends."""
    for handler in au.nodes_of(fn, ast.ExceptHandler):
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type] if handler.type else []
        if any(_SIGNATURE_FAILURE.search(au.last(au.dotted(k))) for k in kinds) and ends_the_request(handler.body):
            return True
    for branch in au.nodes_of(fn, ast.If):
        test = branch.test
        if (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Call)
                and au.last(au.dotted(test.operand.func)) == "compare_digest"
                and "csrf" not in ast.unparse(test.operand).lower() and ends_the_request(branch.body)):
            return True
    return False


#: a header parameter that carries a credential (``x_token``, ``internal_token``, ``api_key``, ``authorization``)
_CREDENTIAL_HEADER = re.compile(r"(?i)token|key|auth|secret|passw")


def refuses_bad_header_credential(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Does the function (a FastAPI dependency) refuse a request whose credential header is wrong, whatever status
    it answers? ``def get_token_header(x_token: str = Header())`` with ``if x_token != ...: raise
    HTTPException(400, "X-Token header invalid")`` keeps every caller without the value out: an access check, though
    not answered 401/403."""
    arguments = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
    defaults = dict(zip([a.arg for a in arguments][::-1], [*fn.args.defaults, *fn.args.kw_defaults][::-1],
                        strict=False))
    headers = {name for name, default in defaults.items() if isinstance(default, ast.Call)
               and au.last(au.dotted(default.func)) == "Header" and _CREDENTIAL_HEADER.search(name)}
    headers |= {a.arg for a in arguments if a.annotation is not None and "Header" in ast.unparse(a.annotation)
                and _CREDENTIAL_HEADER.search(a.arg)}
    headers |= _verified_header_reads(fn)
    return bool(headers) and any(
        {n.id for n in au.nodes_of(branch.test, ast.Name)} & headers and ends_the_request(branch.body)
        for branch in au.nodes_of(fn, ast.If))


#: calls that only record or print a value: handing a token to one verifies nothing
_ONLY_RECORDS = au.LOG_METHODS | {"print"}


def _verified_header_reads(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names bound to a credential header the function reads itself (``token = request.headers.get("Authorization")``,
    a login decorator's wrapper) and hands to a call that can verify it (``validate_token(token)``): a test of such a
    name that ends the request refuses the caller without one. A header only tested, never handed on, is a presence
    check, not authentication."""
    read: set[str] = set()
    for node in au.nodes_of(fn, ast.Assign):
        value = node.value
        call = value if isinstance(value, ast.Call) else None
        source = call.func.value if call is not None and isinstance(call.func, ast.Attribute) \
            and call.func.attr == "get" else value.value if isinstance(value, ast.Subscript) else None
        key = (au.str_const(call.args[0]) if call is not None and call.args else
               au.str_const(value.slice) if isinstance(value, ast.Subscript) else None)
        if source is not None and au.dotted(source).endswith("headers") and key and _CREDENTIAL_HEADER.search(key):
            read.update(au.target_names(node))
    handed: set[str] = set()
    for call in au.nodes_of(fn, ast.Call):
        if au.last(au.dotted(call.func)) in _ONLY_RECORDS:
            continue
        for arg in [*call.args, *(k.value for k in call.keywords)]:
            # the value itself or a cleaned copy of it (``token.replace("Bearer ", "")``) as an argument
            inner = arg.func.value if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) else arg
            if isinstance(inner, ast.Name):
                handed.add(inner.id)
    return read & handed



#: statements that branch, loop or answer: what a handler does before them is all it does unconditionally
ACTS_FIRST = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Return)


def first_calls(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    """The functions whose answer ``fn`` takes in its first statements, before any branch, loop, answer or call made
    for its effect (``user = in_header_authorization(request.headers)``): a helper there that refuses
    unauthenticated callers guards all the rest, wherever the project defines it."""
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    # the function's own values (parameters, locals): a method called on one of them is no module's helper
    local = {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]} | {
        t.id for t in au.walk(fn) if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)}
    out: list[str] = []
    for statement in body[:4]:
        if isinstance(statement, ACTS_FIRST):
            break
        value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.Expr)) else None
        value = value.value if isinstance(value, ast.Await) else value
        if isinstance(statement, ast.Expr):
            break  # a call made for its effect acts: neither it nor what follows it guards the handler
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):  # a function, not a value's method
            out.append(value.func.id)
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            root = value.func.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id not in local:  # ``waiverdb.auth.get_user(request)``
                out.append(value.func.attr)
    return tuple(out)

__all__ = [
    "ACTS_FIRST",
    "REJECT_EXCEPTIONS",
    "ends_the_request",
    "first_calls",
    "raises_or_aborts",
    "raises_refusal",
    "refuses_bad_header_credential",
    "refuses_bad_signature",
]
