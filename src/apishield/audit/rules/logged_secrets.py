"""Passwords and tokens written to the log: AS609.

A log outlives the request and is read by more people than the database (operators, log shippers, support tools,
a ``/logs`` route left open), so a password or token written there is disclosed to all of them. The rule reports a
logging call (``logger.info``, ``logging.warning``, ``app.logger.debug``…) one of whose values is a password,
secret or token itself: a variable, attribute or request field named so (``password``, ``new_password``,
``api_key``, ``access_token``), given as an argument or interpolated into the message. A value passed through a
call first (``len(password)``, ``mask(token)``, ``hash(...)``) and names that only mention a secret
(``password_changed``, ``token_type``, ``key_id``) are not reported, nor a name the function fills with a token's
decoded claims (``token = get_jwt()``): the claims cannot be replayed, the signed token can.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules.base import at_node, is_sample_code, is_test_code
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

SECRET_LOGGED = Rule(
    id="AS609",
    title="Password or token written to the log",
    cwe=(532, 312),
    owasp="API3:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="A log is kept longer and read by more people and tools than the data it describes; a password or "
    "token written to it is disclosed to all of them.",
    fix="Log who and what happened (the user name, the outcome), never the credential itself; if a token must be "
    "traced, log a short fingerprint of it (the first characters of its SHA-256).",
)

LOG_METHODS = au.LOG_METHODS
#: the last name of a logger (``log``, ``logger``, ``app.logger``, ``audit_log``, ``LOGGER``, ``logging``)
_LOGGER = re.compile(r"(?i)(?:^|\.)(?:_?(?:\w+_)?log(?:ger)?|logging)$")
#: a name that holds a secret itself (not one that only mentions it: ``password_changed``, ``token_type``)
_SECRET_NAME = re.compile(r"(?i)^(?:\w+_)?(?:password|passwd|pwd|passcode|passphrase|secret|client_secret|api_?key|"
                          r"access_?token|refresh_?token|auth_?token|session_?token|bearer_?token|token|"
                          r"private_?key|otp|pin_?code)$")


def _logged_parts(arg: ast.AST) -> Iterator[ast.AST]:
    """A logging argument and the parts it interpolates: an f-string's values, the operands of ``%``/``+`` and the
    items of a tuple or list (a call's result is a part, not looked into: a length, a mask, a hash)."""
    stack = [arg]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, ast.JoinedStr):
            stack.extend(v.value for v in current.values if isinstance(v, ast.FormattedValue))
        elif isinstance(current, (ast.BinOp, ast.Tuple, ast.List)):
            stack.extend(ast.iter_child_nodes(current))


def _secret_value(node: ast.AST) -> ast.AST | None:
    """The first value in ``node`` (an argument) that is a secret itself, outside any call."""
    for current in _logged_parts(node):
        name = au.field_read(current) if isinstance(current, (ast.Subscript, ast.Attribute)) else (
            current.id if isinstance(current, ast.Name) else None)
        if name and _SECRET_NAME.match(name):
            return current
    return None


#: a request's whole header, cookie or environment collection: it holds the ``Authorization`` header and the
#: session cookie of every caller (``request.headers``, Django's ``request.META``/``COOKIES``, WSGI ``environ``)
_CREDENTIAL_COLLECTIONS = frozenset({"headers", "cookies", "COOKIES", "META", "environ"})
_REQUEST_NAMES = re.compile(r"^(?:self\.)?(?:request|req|http_request|flask\.request|bottle\.request|"
                            r"cherrypy\.request)$")
#: wrappers that keep the whole collection (``dict(request.headers)``, ``request.headers.items()``)
_KEEPING = frozenset({"dict", "list", "str", "repr", "items", "copy", "to_dict", "json.dumps"})


def _whole_collection(node: ast.AST, holders: set[str]) -> bool:
    """``node`` is a request's whole header, cookie or environment collection, or a name assigned one."""
    while isinstance(node, ast.Call) and au.last(au.dotted(node.func)) in _KEEPING:
        node = node.func.value if isinstance(node.func, ast.Attribute) and not node.args else (
            node.args[0] if node.args else node.func)
    if isinstance(node, ast.Name):
        return node.id in holders
    return (isinstance(node, ast.Attribute) and node.attr in _CREDENTIAL_COLLECTIONS
            and bool(_REQUEST_NAMES.match(au.dotted(node.value) or "")))


def _collection_holders(fn: ast.AST | None) -> set[str]:
    """Names ``fn`` assigns a request's whole header, cookie or environment collection to."""
    if fn is None:
        return set()
    return {t for node in au.walk(fn) if isinstance(node, ast.Assign) and _whole_collection(node.value, set())
            for t in au.target_names(node)}


def _logged_collection(arg: ast.AST, holders: set[str]) -> ast.AST | None:
    """The request's whole header/cookie collection in a logging argument (itself, or in an f-string or ``%``)."""
    return next((part for part in _logged_parts(arg) if _whole_collection(part, holders)), None)


def _named_fields(call: ast.Call, arg: ast.AST) -> bool:
    """``arg`` is the one mapping of ``log.info(fmt, mapping)`` whose format is not a literal with a positional
    placeholder: ``%(name)s`` fields (or a configured format) pick the keys that are logged, not the whole."""
    if len(call.args) != 2 or call.args[1] is not arg:
        return False
    fmt = au.str_const(call.args[0])
    return fmt is None or ("%(" in fmt and not re.search(r"%[-#0 +]*\d*[sr]", fmt))


#: calls that answer a token's decoded claims, not the token
_CLAIMS_CALLS = frozenset({"get_jwt", "get_raw_jwt", "get_jwt_claims", "get_unverified_claims", "decode",
                           "decode_token", "decode_access_token", "get_jwt_identity"})


def _claims_names(fn: ast.AST | None) -> set[str]:
    """Names ``fn`` assigns a token's decoded claims to."""
    if fn is None:
        return set()
    return {t for node in au.walk(fn) if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
            and au.last(au.callee(node.value)) in _CLAIMS_CALLS for t in au.target_names(node)}


def logging_call(node: ast.Call) -> bool:
    """A call to a logger's method (``logger.info``, ``logging.warning``, ``app.logger.debug``): what it is given goes
    to the operator's log, not to the client."""
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr in LOG_METHODS
            and bool(_LOGGER.search(au.dotted(func.value) or "")))


@rule(SECRET_LOGGED, scope="module")
def check_secret_logged(ctx: ModuleContext) -> Iterator[Finding]:
    """AS609 — a logging call whose arguments or interpolated message carry a password, secret or token itself,
    or a request's whole header, cookie or environment collection (``dict(request.headers)``, ``request.META``:
    the ``Authorization`` header and the session cookie of every caller); test and sample code skipped."""
    if not au.mentions(ctx, ("log",)) or is_test_code(ctx.path) or is_sample_code(ctx.path):
        return
    parents = au.parent_map(ctx.tree)
    claims_of: dict[int, set[str]] = {}  # per function: read once, however many logging calls it makes
    holders_of: dict[int, set[str]] = {}
    for node in au.nodes_of_any(ctx.tree, ast.Call):
        assert isinstance(node, ast.Call)
        if not logging_call(node):
            continue
        fn = au.enclosing_function(parents, node)
        if id(fn) not in claims_of:
            claims_of[id(fn)] = _claims_names(fn)
            holders_of[id(fn)] = _collection_holders(fn)
        claims = claims_of[id(fn)]
        for arg in [*node.args, *(kw.value for kw in node.keywords if kw.arg not in ("exc_info", "extra"))]:
            whole = None if _named_fields(node, arg) else _logged_collection(arg, holders_of[id(fn)])
            if whole is not None:
                yield at_node(SECRET_LOGGED, ctx, node, f"all of {ast.unparse(whole)[:40]} (the caller's Authorization "
                              f"header and session cookie) is written to the log by {ast.unparse(node.func)[:40]}()")
                break
            found = _secret_value(arg)
            if found is not None and not (isinstance(found, ast.Name) and found.id in claims):
                yield at_node(SECRET_LOGGED, ctx, node, f"{ast.unparse(found)[:40]} is written to the log by "
                              f"{ast.unparse(node.func)[:40]}()")
                break


__all__ = ["LOG_METHODS", "SECRET_LOGGED", "logging_call"]
