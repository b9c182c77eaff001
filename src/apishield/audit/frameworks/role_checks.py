"""Whether a function decides on what the caller may do (a role, a permission, a group), not only on whether
they are signed in: read in a guard's or a handler's body, and in a guard's name."""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au

_ROLE_NAME = re.compile(r"role|admin|permission|staff|superuser|scope", re.IGNORECASE)


def names_role(name: str) -> bool:
    """A guard's name promises a role or permission check (``admin_required``, ``staff_only``, ``require_scope``)."""
    return bool(_ROLE_NAME.search(name))


_ROLE_CHECK_CALL = re.compile(r"^(?:req_|request_|user_|current_user_)?(has|check|require|requires|ensure|verify|"
                              r"assert|is|must_be|only)_?\w*(role|admin|permission|scope|staff|superuser)", re.I)


def _mentions_role(expr: ast.AST) -> bool:
    for node in au.walk(expr):
        if isinstance(node, ast.Attribute) and _ROLE_NAME.search(node.attr):
            return True
        if isinstance(node, ast.Name) and _ROLE_NAME.search(node.id) and isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.Compare) and any(_ROLE_NAME.search(s) for s in au.strings_in(node)):
            return True
        if _role_key_read(node):
            return True
    return False


def _role_key_read(node: ast.AST) -> bool:
    """``session.get('is_admin')``, ``claims['role']``: a value read under a role-named key."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        key = au.str_const(node.args[0]) if node.args else None
    elif isinstance(node, ast.Subscript):
        key = au.str_const(node.slice)
    else:
        return False
    return bool(key and _ROLE_NAME.search(key))


def _client_names(body: ast.AST) -> set[str]:
    """Names bound to what the client sent (``data = request.get_json() or {}``)."""
    return {t.id for node in au.walk(body) if isinstance(node, ast.Assign) and "request." in ast.unparse(node.value)
            for t in node.targets if isinstance(t, ast.Name)}


def _client_decides(test: ast.AST, client: set[str]) -> bool:
    """A role test on what the client sent (``data.get('role') == 'admin'``, ``request.args['admin']``) checks no
    role of the caller: the caller names it."""
    dotted = [au.dotted(n) for n in au.walk(test) if isinstance(n, (ast.Name, ast.Attribute))]
    if any(_CALLER_ON_REQUEST.match(d) for d in dotted):
        return False  # ``request.user.role``: the record of the signed-in caller the server attached, not a field sent
    names = {d.split(".")[0] for d in dotted}
    return bool(names) and names <= client | {"request"}


#: the signed-in caller a framework or a guard attaches to the request (Django's ``request.user``, DRF's
#: ``request.auth``, Starlette's ``request.state.user``): what the server knows, not what the client wrote
_CALLER_ON_REQUEST = re.compile(r"^request\.(?:user|auth|identity|principal|current_user|state\.user)\.")


def checks_roles(body: ast.AST) -> bool:
    """The body decides on a role: a condition or comparison mentions roles/admin/permissions, or it calls a
    checker (``has_role``, ``require_admin``). Merely calling ``promote_user_to_admin(user)`` decides nothing, nor
    does a test of a role the client sends in the request."""
    if not _mentions_role(body):  # the common case: one walk, nothing role-like anywhere
        return False
    client = _client_names(body)
    for node in au.walk(body):
        if isinstance(node, (ast.If, ast.IfExp, ast.While, ast.Assert)) and _mentions_role(node.test) and not (
                _client_decides(node.test, client)):
            return True
        if isinstance(node, ast.Compare) and _mentions_role(node) and not _client_decides(node, client):
            return True
        if isinstance(node, ast.Call) and _ROLE_CHECK_CALL.search(au.last(au.dotted(node.func))):
            return True
    return False


#: words of a predicate that asks whether the caller is signed in at all, not what they may do
_SIGNED_IN_WORDS = frozenset({"authenticated", "anonymous", "logged", "login", "signed", "active", "valid", "none",
                              "expired", "authorized", "authorised", "user", "session"})


def refuses_unless_predicate(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The function answers early unless a predicate about the caller holds (``if not ldap.is_evals(member): return
    redirect(...)``, ``if not has_group(user, 'board'): abort(...)``), the predicate asking something other than
    whether the caller is signed in: in a guard named for a role, the check its name promises, in the project's
    own words."""
    for node in au.nodes_of(fn, ast.If):
        test = node.test
        if not (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Call)):
            continue
        words = au.last(au.dotted(test.operand.func)).lower().split("_")
        if len(words) < 2 or words[0] not in {"is", "has", "can", "may", "in"} or _SIGNED_IN_WORDS.intersection(words):
            continue
        if any(isinstance(stmt, (ast.Return, ast.Raise)) for stmt in node.body):
            return True
    return False


__all__ = ["checks_roles", "names_role", "refuses_unless_predicate"]
