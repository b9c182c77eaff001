"""Privilege decided by a value the client sends: AS109.

A header, a cookie, the User-Agent, or a query or form field is whatever the client chooses to send. A handler that
lets one decide who is an administrator — ``if request.headers.get('username') == 'admin': return ...``, ``if
request.args.get('is_admin') == '1'``, ``if user_agent == 'app_admin'`` — hands that privilege to anyone who sends
the value. The rule reports an ``if`` whose test compares such a value (read directly, or through a local name
assigned from it) with a privilege-like constant (one naming ``admin``, ``root``, ``superuser``, ``staff``…), or
tests a field named for a privilege flag (``is_admin``, ``admin``, ``role``…) read from the query or a form, when
one of its branches answers or refuses the request (the test decides something). AS108 covers client-set IP
headers and AS506 identity cookies; a signed session or a verified token is the server's own and is not read
here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules._comparisons import REQUEST_ROOTS
from apishield.audit.rules.base import at_node, is_test_code
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

CLIENT_PRIVILEGE = Rule(
    id="AS109",
    title="Privilege decided by a value the client sends",
    cwe=(807, 285, 290, 602),
    owasp="API5:2023",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    description="Headers, cookies, the User-Agent and query or form fields are written by the client: a role or "
    "administrator check on one of them grants the privilege to anyone who sends the value.",
    fix="Decide privileges on the server's own record of the signed-in user (a verified token's claims, the "
    "session, the user row), never on a value the request carries.",
)

#: what a handler reads from the request: (the attribute chain it starts with, what kind of input it is)
_SOURCES = (("headers", "header"), ("cookies", "cookie"), ("COOKIES", "cookie"), ("user_agent", "header"),
            ("META", "header"), ("environ", "header"), ("args", "query"), ("query_params", "query"),
            ("GET", "query"), ("query", "query"), ("form", "form"), ("POST", "form"), ("values", "query"),
            ("json", "form"))
#: constants naming a privileged role or account
_PRIVILEGED_VALUE = re.compile(r"(?i)admin|\broot\b|superuser|super_user|\bstaff\b|moderator|\bsudo\b")
#: field names of a privilege flag or role
_PRIVILEGE_FIELD = re.compile(r"(?i)^(?:is_?)?(?:admin|administrator|superuser|staff|root)$|^(?:user_?)?role$|"
                              r"^access_?level$|^privilege$")
_HINTS = ("admin", "role", "superuser", "staff", "root", "moderator", "sudo", "privilege", "access_level", "bypass")
#: header or field names that switch a check off or claim a privilege (``X-Admin-Bypass``, ``admin_mode``)
_BYPASS_KEY = re.compile(r"(?i)bypass|(?:^|[-_])(?:admin|superuser|root|sudo)(?:[-_]|$)|^x-(?:admin|role|user-role)")
#: constants that switch a flag on
_TRUTHY = frozenset({"1", "true", "yes", "on", "y", "t", "enable", "enabled"})


def client_value(node: ast.AST) -> tuple[str, str] | None:
    """(kind, key) when ``node`` reads a request input: ``request.headers.get('X')``, ``request.args['k']``,
    ``request.META['HTTP_USER_AGENT']``, ``request.user_agent.string``…"""
    container, key = _read_of(node, ("get", "getlist", "get_all"))
    dotted = au.dotted(container if container is not None else node)
    for attr, kind in _SOURCES:
        for root in REQUEST_ROOTS:
            prefix = f"{root}.{attr}"
            if dotted == prefix or dotted.startswith(prefix + "."):
                if kind == "header" and attr in ("META", "environ") and key and not key.upper().startswith("HTTP_"):
                    return None  # the server's own environment, not a header
                return kind, key or attr
    return None


def _parsed_body(node: ast.AST) -> bool:
    """``request.get_json()``, ``request.json()``: the body the client sent, parsed."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get_json", "json")
            and au.dotted(node.func.value) in REQUEST_ROOTS)


def _read_of(node: ast.AST, methods: tuple[str, ...] = ("get",)) -> tuple[ast.AST | None, str]:
    """(container, key) of ``container.get('key')`` (or another of ``methods``) or ``container['key']``; the key is
    ``""`` when it is not a constant or not given."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in methods:
        return node.func.value, (au.str_const(node.args[0]) or "") if node.args else ""
    if isinstance(node, ast.Subscript):
        return node.value, au.str_const(node.slice) or ""
    return None, ""


class _Handler:
    """The client values of one function: read directly, or through names assigned from them."""

    def __init__(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        #: name -> (line, what it was assigned from), in source order: the assignment before a test is the one read
        self.names: dict[str, list[tuple[int, tuple[str, str] | None]]] = {}
        self.line = 0
        assigns = sorted((n for n in au.walk(fn) if isinstance(n, ast.Assign)), key=lambda n: (n.lineno, n.col_offset))
        for node in assigns:
            self.line = node.lineno
            found = self.value(node.value)
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.names.setdefault(target.id, []).append((node.lineno, found))

    def at(self, line: int) -> _Handler:
        """Read names as they stand just before ``line``."""
        self.line = line
        return self

    def value(self, node: ast.AST) -> tuple[str, str] | None:
        if isinstance(node, ast.Name):
            before = [found for line, found in self.names.get(node.id, []) if line < self.line]
            return before[-1] if before else None
        if isinstance(node, ast.BoolOp):  # ``request.get_json() or {}``
            return self.value(node.values[0])
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("str", "bool", "int") \
                and len(node.args) == 1:
            return self.value(node.args[0])
        if _parsed_body(node):
            return "form", ""  # ``request.get_json()``
        container, key = _read_of(node)
        if isinstance(container, ast.Name) and key:  # ``data.get('role')`` where ``data`` holds the body or query
            holder = self.value(container)
            if holder is not None:
                return holder[0], key
        if isinstance(node, ast.Attribute) and node.attr in ("string", "lower", "strip"):
            return self.value(node.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                "lower", "strip", "upper", "casefold"):
            return self.value(node.func.value)
        return client_value(node)

    def decides_on_client_privilege(self, test: ast.expr) -> str | None:
        """What in ``test`` makes a client value decide a privilege, or None."""
        for node in ast.walk(test):
            if isinstance(node, ast.Compare) and len(node.comparators) == 1:
                sides = (node.left, node.comparators[0])
                for side, other in (sides, sides[::-1]):
                    found = self.value(side)
                    constants = [au.str_const(e) for e in other.elts] if isinstance(other, (ast.Tuple, ast.List,
                                                                                           ast.Set)) else []
                    constant = au.str_const(other)
                    if found is None:
                        continue
                    kind, key = found
                    if _BYPASS_KEY.search(key) and {str(c).lower() for c in [constant, *constants] if c} & _TRUTHY:
                        return f"the client's {kind} {key!r} switched on"
                    if constant is None:
                        continue
                    if _PRIVILEGED_VALUE.search(constant) and (kind in ("header", "cookie") or _PRIVILEGE_FIELD.match(
                            key)):
                        return f"the client's {kind} {key!r} compared with {constant!r}"
                    if _PRIVILEGE_FIELD.match(key) and kind in ("query", "form"):
                        return f"the client's {kind} field {key!r} compared with {constant!r}"
            elif isinstance(node, (ast.Call, ast.Subscript, ast.Name)) and node is test:
                found = self.value(node)
                if found is not None and found[0] in ("query", "form") and _PRIVILEGE_FIELD.match(found[1]):
                    return f"the client's {found[0]} field {found[1]!r} tested"
        return None


def _decides(branch: ast.If) -> bool:
    """One of the branches answers or refuses the request (returns, raises or aborts), or writes the caller's
    session (``session['role'] = 'admin'``), at any depth."""
    for statement in [*branch.body, *branch.orelse]:
        for s in au.walk(statement):
            if isinstance(s, (ast.Return, ast.Raise)) or (
                    isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
                    and au.last(au.dotted(s.value.func)) == "abort"):
                return True
            if isinstance(s, ast.Assign) and any(isinstance(t, ast.Subscript) and au.last(au.dotted(t.value)) ==
                                                 "session" for t in s.targets):
                return True
    return False


@rule(CLIENT_PRIVILEGE)
def check_client_privilege(ctx: ModuleContext) -> Iterator[Finding]:
    """AS109 — an ``if`` that decides a privilege on a header, cookie, User-Agent or query/form field the client
    sends; test code skipped."""
    if not au.mentions(ctx, _HINTS) or not au.mentions(ctx, ("request", "req")) or is_test_code(ctx.path):
        return
    for fn in au.functions(ctx.tree):
        handler: _Handler | None = None
        for branch in au.nodes_of_any(fn, ast.If):
            assert isinstance(branch, ast.If)
            if not _decides(branch):
                continue
            handler = handler or _Handler(fn)
            why = handler.at(branch.lineno).decides_on_client_privilege(branch.test)
            if why:
                yield at_node(CLIENT_PRIVILEGE, ctx, branch, f"{fn.name}() decides a privilege on {why}")


__all__ = ["CLIENT_PRIVILEGE", "client_value"]
