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


__all__ = ["REJECT_EXCEPTIONS", "raises_refusal"]
