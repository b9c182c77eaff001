"""Handlers that check the signed-in identity inline: an early return when the session holds no user.

``user = session.get('user_info')`` then ``if user is None: return jsonify(error=...)`` refuses anonymous callers as
surely as a decorator does, whatever status the refusal carries. Only identity keys count (``user``, ``login``,
``account``, ``uid``…): ``if session.get('cart') is None: return []`` decides nothing about the caller.

An authentication helper called inline counts the same way: ``user = get_current_user(request, db)`` (a function
named for the signed-in caller — ``current_user``, ``get_logged_in_user``, ``authenticate`` — that is handed the
request or its cookies/headers/session and answers a user or ``None``) then ``if not user: return
RedirectResponse("/login")`` (or ``raise HTTPException(401)``, or render the login page). The refusal must come
before the handler does anything else: a result never tested, or tested only after a statement that acts (a call
made for its effect, a loop, a ``with``), protects nothing.
"""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au

_IDENTITY_KEY = re.compile(r"user|login|logged|auth|account|principal|member|identity|uid|email", re.IGNORECASE)
#: functions named for finding out who the caller is
_AUTH_HELPER = re.compile(r"^(?:get_|fetch_|load_|find_|require_|resolve_)?(?:current|logged_?in|signed_?in|"
                          r"authenticated|session|request|auth)_(?:user|account|identity|member|principal)$|"
                          r"^authenticate(?:_\w+)?$|^current_user$", re.IGNORECASE)
_SESSIONS = frozenset({"session", "flask.session", "request.session", "cherrypy.session", "bottle.request.session"})


def _identity_read(node: ast.AST) -> bool:
    """``session.get('user')`` / ``session['user']`` / ``'user' in session`` for an identity key."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        key, store = au.str_const(au.arg(node, 0, "key")), node.func.value
    elif isinstance(node, ast.Subscript):
        key, store = au.str_const(node.slice), node.value
    elif isinstance(node, ast.Compare) and len(node.comparators) == 1:
        key, store = au.str_const(node.left), node.comparators[0]
    else:
        return False
    return bool(key and _IDENTITY_KEY.search(key)) and au.dotted(store) in _SESSIONS


def _auth_helper_call(node: ast.AST) -> bool:
    """``get_current_user(request, db)``: a call of a function named for the signed-in caller that is handed the
    request (or its cookies, headers or session)."""
    if not isinstance(node, ast.Call) or not _AUTH_HELPER.match(au.last(au.dotted(node.func))):
        return False
    return any(au.dotted(a).split(".", 1)[0] in {"request", "req"}
               for a in [*node.args, *(kw.value for kw in node.keywords)])


def _acts(statement: ast.stmt) -> bool:
    """A statement that does something besides naming values: a bare call, a loop, a ``with``, a ``try``…"""
    if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.If, ast.Pass)):
        return False
    return not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))  # a docstring


def _tests_absence(test: ast.expr, names: set[str]) -> bool:
    """``x is None``, ``not x``, ``'user' not in session``, ``not session.get('user')`` for an identity value."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = test.operand
        return (isinstance(inner, ast.Name) and inner.id in names) or _identity_read(inner)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(op, ast.Is) and isinstance(right, ast.Constant) and right.value is None:
            left = test.left
            return (isinstance(left, ast.Name) and left.id in names) or _identity_read(left)
        if isinstance(op, ast.NotIn):
            return _identity_read(ast.Compare(left=test.left, ops=[ast.In()], comparators=[right]))
    return False


def refuses_without_session_identity(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The function's own body returns (or raises) early when the session, or an authentication helper handed the
    request, answers no signed-in identity."""
    if not any(isinstance(statement, ast.If) for statement in fn.body):
        return False  # the common case: no early exit to look at
    names: set[str] = set()
    helper: set[str] = set()  # names bound from an authentication helper, while nothing has acted since
    for statement in fn.body:
        if isinstance(statement, ast.Assign) and _identity_read(statement.value):
            names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
        elif isinstance(statement, ast.Assign) and _auth_helper_call(statement.value):
            helper.update(t.id for t in statement.targets if isinstance(t, ast.Name))
        elif helper and _acts(statement):
            helper.clear()  # tested only after acting: the handler has already done its work for anyone
        elif (isinstance(statement, ast.If) and isinstance(statement.body[-1], (ast.Return, ast.Raise))
              and _tests_absence(statement.test, names | helper)):
            return True
    return False


__all__ = ["refuses_without_session_identity"]
