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

A handler that cannot get past its first steps without a signed-in identity refuses anonymous callers too, if
with a 500: before anything acts, it takes a field of the session's user (``session['user_id']``,
``session.get('username').lower()``) or of what an authentication helper answered (``current_user()['username']``,
``user['id']`` after ``user = session.get('user')``); for an anonymous caller that raises, and nothing is done.

A check called in the test itself counts too, whatever the refusal raises: ``if not authenticate_customer(): raise
AppError(...)`` (a function named for checking the caller's credentials — ``authenticate_*``, ``is_authenticated``,
``validate_api_key``, ``verify_token``), alone or joined with others (``if not a() and not b()``), at the top of a
handler or of the wrapper a decorator returns; and so do branches that serve each authenticated kind of caller and
end, after them, in a raise (``if authenticate_customer(): return ...`` ... ``raise AppError(...)``).
"""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au
from apishield.audit.client_data import REQUEST_NAMES
from apishield.audit.frameworks.guards import ends_the_request

_IDENTITY_KEY = re.compile(r"user|login|logged|auth|account|principal|member|identity|uid|email", re.IGNORECASE)
#: functions named for finding out who the caller is (``web_get_current_user``: a prefix names where the helper
#: reads from, only before a verb, so ``delete_current_user`` is not one)
_AUTH_HELPER = re.compile(r"^(?:(?:[a-z0-9]+_)?(?:get|fetch|load|find|require|resolve)_)?"
                          r"(?:current|logged_?in|signed_?in|"
                          r"authenticated|session|request|auth)_(?:user|account|identity|member|principal)"
                          r"(?:_from_(?:cookies?|session|token|header|request|jwt)|_or_none)?$|"
                          r"^authenticate(?:_\w+)?$|^current_user$|"
                          # the caller's server-side session looked up from the request (a session only the sign-in
                          # fills: ``session = get_session(request)`` then ``if not session: redirect('/login')``)
                          r"^(?:get|load|fetch|read|lookup|current)_session$", re.IGNORECASE)
_SESSIONS = frozenset({"session", "flask.session", "quart.session", "request.session", "cherrypy.session",
                       "bottle.request.session"})


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


#: functions named for checking the caller's credentials, called in a guard's test
_AUTH_CHECK = re.compile(r"^(?:is_|has_)?(?:authenticated?(?:_\w+)?|logged_?in|signed_?in"
                         r"|valid_(?:api_?key|token|session)|(?:validate|verify|check)_\w*(?:api_?key|token|credentials?|auth\w*|signature|password)"
                         r"|\w*authenticated_\w+)$"
                         # a check of the caller's permissions (``req_check_permissions(["DATA_EDIT"])``): an anonymous
                         # caller holds none, so a refusal on its failure refuses anonymous callers too
                         r"|^(?:req_|request_)?(?:check|require|verify|validate)_(?:user_)?(?:permissions?|roles?|scopes?)$",
                         re.IGNORECASE)


def _auth_helper_call(node: ast.AST) -> bool:
    """``get_current_user(request, db)``: a call of a function named for the signed-in caller that is handed the
    request (or its cookies, headers or session), or nothing at all (it reads the request of the context); awaited
    or not."""
    if isinstance(node, ast.Await):
        node = node.value
    if not isinstance(node, ast.Call) or not _AUTH_HELPER.match(au.last(au.dotted(node.func)).lstrip("_")):
        return False
    handed = [*node.args, *(kw.value for kw in node.keywords)]
    return not handed or any(au.dotted(a).split(".", 1)[0] in REQUEST_NAMES for a in handed)


def _auth_check(node: ast.AST) -> bool:
    """``authenticate_customer()``, ``validate_api_key(request)``: a call named for checking the caller's
    credentials (a CSRF token check is not one)."""
    if not isinstance(node, ast.Call):
        return False
    name = au.last(au.dotted(node.func)).lstrip("_")
    return (bool(_AUTH_CHECK.match(name)) or _auth_helper_call(node)) and not re.search("csrf|xsrf", name, re.I)


def _acts(statement: ast.stmt) -> bool:
    """A statement that does something besides naming values: a bare call, a loop, a ``with``, a ``try``…"""
    if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.If, ast.Pass)):
        return False
    return not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))  # a docstring


def _tests_absence(test: ast.expr, names: set[str]) -> bool:
    """``x is None``, ``not x``, ``'user' not in session``, ``not session.get('user')`` for an identity value."""
    if isinstance(test, ast.BoolOp):  # ``not a() and not b()``, ``request.method == 'POST' and not a()``
        return any(_tests_absence(value, names) for value in test.values)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = test.operand
        return (isinstance(inner, ast.Name) and inner.id in names) or _identity_read(inner) or _auth_check(inner)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(op, ast.Is) and isinstance(right, ast.Constant) and right.value is None:
            left = test.left
            return (isinstance(left, ast.Name) and left.id in names) or _identity_read(left)
        if isinstance(op, ast.NotIn):
            return _identity_read(ast.Compare(left=test.left, ops=[ast.In()], comparators=[right]))
    return False


def _serves_authenticated(statement: ast.stmt, names: set[str]) -> bool:
    """``if authenticate_customer(): ... return ...`` / ``if user: ... return ...``: a branch for one authenticated
    kind of caller, ending the request."""
    if not isinstance(statement, ast.If) or not isinstance(statement.body[-1], (ast.Return, ast.Raise)):
        return False
    test = statement.test
    return (isinstance(test, ast.Name) and test.id in names) or _auth_check(test)


def refuses_without_session_identity(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The function's own body (or that of the wrapper it defines, for a decorator) returns or raises early when
    the session, or an authentication check, answers no signed-in identity (or fails on its absence first)."""
    return any(_refuses_early(f) or _acts_only_when_signed_in(f) or _fails_without_identity(f) for f in [fn, *(
        s for s in fn.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)))])


def _dereferences(node: ast.AST, names: set[str]) -> bool:
    """``session['uid']``, ``session.get('user').name``, ``current_user()['name']``, ``user['id']`` (``user`` bound
    from the session or a helper): a field of an identity that raises when there is none. Only what is always
    evaluated counts: not the branches of ``a if user else b`` nor what follows the first operand of ``and``/``or``."""
    for n in _always_evaluated(node):
        base = n.value if isinstance(n, (ast.Subscript, ast.Attribute)) else None
        if isinstance(n, ast.Subscript) and _identity_read(n):
            return True
        if base is not None and ((isinstance(base, ast.Name) and base.id in names) or _auth_helper_call(base)
                                 or (isinstance(base, ast.Call) and _identity_read(base))):
            return True
    return False


def _always_evaluated(node: ast.AST) -> list[ast.AST]:
    """The nodes of an expression evaluated whatever the values: the condition of a conditional expression and the
    first operand of a boolean one, not what they may skip; no lambda or comprehension bodies."""
    out: list[ast.AST] = [node]
    if isinstance(node, ast.IfExp):
        return out + _always_evaluated(node.test)
    if isinstance(node, ast.BoolOp):
        return out + _always_evaluated(node.values[0])
    if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return out
    for child in ast.iter_child_nodes(node):
        out += _always_evaluated(child)
    return out


def _fails_without_identity(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Before any statement acts without it, the handler takes a field of the signed-in identity."""
    names: set[str] = set()
    for statement in fn.body:
        if isinstance(statement, ast.Try):
            return False  # a failure there may be caught and the work done anyway
        value = statement.value if isinstance(statement, (ast.Assign, ast.Expr, ast.Return)) else (
            statement.test if isinstance(statement, ast.If) else None)
        if value is not None and _dereferences(value, names):
            return True
        if isinstance(statement, ast.Assign) and (_identity_read(statement.value)
                                                  or _auth_helper_call(statement.value)):
            names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
        elif _acts(statement) or isinstance(statement, (ast.If, ast.Return)):
            return False
    return False


_REFUSALS = frozenset({"redirect", "RedirectResponse", "HTTPFound", "HTTPSeeOther", "abort", "url_for"})


def _refusal(statement: ast.stmt) -> bool:
    """``return redirect('/')``, ``return``, ``raise ...``: ends the request without acting or showing data."""
    if isinstance(statement, ast.Raise):
        return True
    if not isinstance(statement, ast.Return):
        return False
    calls = [n for n in ast.walk(statement.value) if isinstance(n, ast.Call)] if statement.value else []
    return all(au.last(au.dotted(c.func)) in _REFUSALS for c in calls)


def _tests_presence(test: ast.expr, names: set[str]) -> bool:
    """``'uid' in session``, ``session.get('user')``, ``user`` (an identity value), ``get_current_user()``; not a
    credential check (``verify_password(...)``: that handler is a login of its own)."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_tests_presence(value, names) for value in test.values)
    if isinstance(test, ast.Compare):
        return len(test.ops) == 1 and isinstance(test.ops[0], ast.In) and _identity_read(test)
    return (isinstance(test, ast.Name) and test.id in names) or _identity_read(test) or _auth_helper_call(test)


def _acts_only_when_signed_in(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """``if 'uid' in session: <the work>`` and afterwards (and in its ``else``) only a redirect, a constant
    answer or a raise: the handler does its work for signed-in callers alone."""
    names: set[str] = set()
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    for index, statement in enumerate(body):
        if isinstance(statement, ast.Assign) and (_identity_read(statement.value)
                                                  or _auth_helper_call(statement.value)):
            names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
        elif isinstance(statement, ast.If) and _tests_presence(statement.test, names):
            rest = body[index + 1:]
            return bool(rest or statement.orelse) and all(_refusal(s) for s in [*statement.orelse, *rest])
        elif _acts(statement) or isinstance(statement, ast.If):
            return False
    return False


def _failed_status(test: ast.expr, names: set[str]) -> bool:
    """``status != 200`` (or ``status >= 400``) for a name bound from an authentication or permission check that
    answers a status code (``perm_status = req_check_permissions([...])``)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name)
            and test.left.id in names and isinstance(right := test.comparators[0], ast.Constant)
            and isinstance(right.value, int)):
        return False
    return (isinstance(test.ops[0], ast.NotEq) and 200 <= right.value < 300) or (
        isinstance(test.ops[0], (ast.Gt, ast.GtE)) and 300 <= right.value <= 400)


def _refuses_early(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if not any(isinstance(statement, ast.If) for statement in fn.body):
        return False  # the common case: no early exit to look at
    names: set[str] = set()
    checked: set[str] = set()  # names bound from a credential or permission check (its verdict or status code)
    helper: set[str] = set()  # names bound from an authentication helper, while nothing has acted since
    served = False  # branches so far each served an authenticated caller and ended
    for statement in fn.body:
        if served and isinstance(statement, ast.Raise):
            return True  # nobody else gets past them
        served = _serves_authenticated(statement, helper) or (served and not _acts(statement)
                                                              and not isinstance(statement, ast.If))
        if isinstance(statement, ast.Assign) and _identity_read(statement.value):
            names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
        elif isinstance(statement, ast.Assign) and _auth_helper_call(statement.value):
            helper.update(t.id for t in statement.targets if isinstance(t, ast.Name))
        elif isinstance(statement, ast.Assign) and _auth_check(statement.value):
            checked.update(t.id for t in statement.targets if isinstance(t, ast.Name))
        elif (helper or checked) and _acts(statement):
            helper.clear()  # tested only after acting: the handler has already done its work for anyone
            checked.clear()
        elif isinstance(statement, ast.If) and ends_the_request(statement.body) and (
                _tests_absence(statement.test, names | helper | checked) or _failed_status(statement.test, checked)):
            return True
    return False


__all__ = ["refuses_without_session_identity"]
