"""Per-module facts for the object-level authorization rule (AS102), computed where the tree is parsed.

For every route handler: which id-like parameters (``id``, ``*_id``, ``pk``, ``uuid``) reach a lookup (a query,
``get``, ``filter``, ``execute`` or a subscript) while neither the handler nor a module function it calls
compares anything with the caller (``current_user``, ``principal``, ``owner``, 403/404 on mismatch).
Computing this next to the parse keeps the project step free of syntax trees (they are not shipped back from
worker processes).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.client_data import CONVERSIONS, ID_PARAM, REQUEST_FIELDS, SHARED_KEY, capability_key, client_keys
from apishield.audit.taint.catalogue import is_logger

#: names of an ownership or permission check wherever they appear (``note.owner``, ``can_access(...)``, ``item.user_id
#: != user.id`` either way round); "author" after a letter is the "Unauthorized" of a 401 answer, which checks nothing
_CHECK_MARKERS = re.compile(
    r"owner|(?<![a-z])author|created_by|tenant|is_admin|can_access|check_access|has_access|permission|belongs|"
    r"(?:user|account)_id\s*[!=]=|[!=]=\s*[\w.]*\.(?:user|account)_id\b",
    re.IGNORECASE,
)
#: what stands for the caller: comparing an object with it, or scoping a lookup by it, is a check; reading it only to
#: learn that someone signed in (``'user_id' not in session``) or to load the caller's own record is not
_CALLER = re.compile(r"current_user|principal|g\.user|request\.user|request\.auth\b|get_jwt_identity|identity|\.sub\b|"
                     r"(?<![\w.])session\s*(?:\[|\.get\(\s*['\"])|request\.session", re.IGNORECASE)
#: the session as the text search reads it: any mention (a database session included) counts, as it always did
_SESSION = re.compile(r"session", re.IGNORECASE)
OWNER_MARKERS = re.compile(f"{_CHECK_MARKERS.pattern}|{_CALLER.pattern}|{_SESSION.pattern}", re.IGNORECASE)
#: a literal every ``OWNER_MARKERS`` alternative contains: the cheap test before the case-insensitive regex
OWNER_WORDS = ("current_user", "principal", "owner", "author", "g.user", "request.user", "request.auth", "identity",
                "session", ".sub", "user_id", "created_by", "tenant", "account_id", "is_admin", "access", "authori",
                "permission", "belongs")
REJECTS = re.compile(r"abort\(40[34]\)|HTTPError\(40[34]|status_code=40[34]|HTTP_40[34]_|, 403\)")
_LOOKUP = re.compile(
    r"get|query|filter|find|select|execute|fetch|load|read|delete|update|lookup|one|first|by_id", re.IGNORECASE
)

FnDef = ast.FunctionDef | ast.AsyncFunctionDef


def _existence_checks(fn: FnDef) -> set[int]:
    """Ids of the ``if x is None`` / ``if not x`` statements: a 404 there says the object does not exist, not that
    it is someone else's."""
    out: set[int] = set()
    for node in au.walk(fn):
        if isinstance(node, ast.If):
            test = node.test
            # ``if not note`` / ``if note is None``: ``if not note.public`` asks something of the object instead
            if (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name)
                    ) or (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Is)
                          and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None):
                out.add(id(node))
    return out


#: functions that only write a line to the console or a log
_SAYING_FUNCTIONS = frozenset({"print", "log", "warn"})


#: SQL text: a query whose columns the ownership markers must not read as a check
_SQL_TEXT = re.compile(r"^\s*(?:SELECT|UPDATE|DELETE|INSERT)\b", re.IGNORECASE)
_WHERE = re.compile(r"\bWHERE\b", re.IGNORECASE)


def _query_conditions(fn: FnDef) -> list[tuple[str, str]]:
    """Each SQL literal of the body with what of it can check the caller: its ``WHERE`` condition. A column the
    query only selects or sets (``SELECT owner_id FROM notes WHERE id = ?``) loads the owner; it compares nothing."""
    found = []
    for node in au.walk(fn):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL_TEXT.match(node.value):
            where = _WHERE.search(node.value)
            found.append((ast.unparse(node), ast.unparse(ast.Constant(node.value[where.start():] if where else ""))))
    return found


def _said_only(fn: FnDef) -> list[str]:
    """Text the body only says: the docstring and other bare strings, and the arguments of log and print calls
    (``print(f"user {session['uid']} read {id}")`` names the caller without checking anything)."""
    def said(node: ast.AST) -> bool:
        if isinstance(node, ast.Expr):
            return isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        if not isinstance(node, ast.Call):
            return False
        func = node.func  # ``print(...)``, or a method of a logger (``log.info``, ``app.logger.warning``)
        return au.dotted(func) in _SAYING_FUNCTIONS or (isinstance(func, ast.Attribute) and is_logger(func.value))

    return [ast.unparse(node) for node in au.walk(fn) if said(node)]


#: a word every ``_CALLER`` alternative contains, in one name, attribute, keyword or string of the code
_CALLER_PARTS = ("current_user", "principal", "user", "identity", "sub", "session", "auth")


def _mentions(node: ast.AST, aliases: set[str]) -> bool:
    """``node`` reads the caller: a caller expression (``session[...]``, ``current_user``) or a name assigned from
    one. (The code is written out for the pattern only when one of its words holds a part the pattern needs.)"""
    nodes = au.walk(node)
    if any(isinstance(n, ast.Name) and n.id in aliases for n in nodes):
        return True
    words = [v.lower() for n in nodes for f in n._fields if isinstance(v := getattr(n, f, None), str)]
    return any(p in w for w in words for p in _CALLER_PARTS) and bool(_CALLER.search(ast.unparse(node)))


def _presence_compare(node: ast.Compare) -> bool:
    """``'uid' in session``, ``user is None``, ``session.get('ok') == True``: whether someone is signed in, not who."""
    left = node.left
    for op, right in zip(node.ops, node.comparators, strict=True):
        member = isinstance(op, (ast.In, ast.NotIn)) and isinstance(left, ast.Constant)
        if not member and not (isinstance(right, ast.Constant) and right.value in (None, True, False)):
            return False
        left = right
    return True


def _presence_only(test: ast.expr, aliases: set[str]) -> bool:
    """An ``if`` test that asks only whether the caller is known (``not session.get('logged_in')``, ``'user_id' not
    in session``, ``user is None``) and calls nothing but ``.get``."""
    if not _mentions(test, aliases):
        return False
    for n in au.walk(test):
        if isinstance(n, ast.Compare) and not _presence_compare(n):
            return False
        if isinstance(n, ast.Call) and not (isinstance(n.func, ast.Attribute) and n.func.attr == "get"):
            return False
    return True


def _caller_reads(fn: FnDef, ids: set[str]) -> tuple[set[str], list[ast.AST]]:
    """The names the body assigns from the caller without an object's id (``uid = session['user_id']``, ``me =
    User.query.filter_by(name=session['user']).first()``), and the statements that only read the caller: those
    assignments and the ``if`` statements that only turn away a caller nobody signed in as."""
    aliases: set[str] = set()
    reads: list[ast.AST] = []
    for node in au.walk(fn):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if (all(isinstance(t, ast.Name) for t in targets) and _mentions(node.value, aliases)
                    and not any(isinstance(n, ast.Name) and n.id in ids for n in au.walk(node.value))):
                aliases |= {t.id for t in targets if isinstance(t, ast.Name)}
                reads.append(node)
    for node in au.walk(fn):
        if isinstance(node, ast.If) and _presence_only(node.test, aliases):
            turns_away = not node.orelse and all(
                isinstance(s, (ast.Return, ast.Raise)) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call))
                for s in node.body)
            reads.append(node if turns_away else node.test)
    return aliases, reads


#: a dependency named for granting access (``user_authenticated_for_club``, ``require_project_member``)
_ACCESS_WORD = re.compile(r"(?i)auth|access|member|permission|allowed|require|guard|check|verify|owner|can_")


def _parent_guarded(fn: FnDef) -> bool:
    """A dependency named for access to a resource one of the handler's keys names (``club_id`` with
    ``Depends(user_authenticated_for_club)``, ``tournament_id`` with ``user_authenticated_for_tournament``): the
    caller's access to that resource is checked before the handler runs, and what the handler loads is looked up
    within it."""
    stems = {re.sub(r"(?i)_?(?:id|pk|uuid|slug)$", "", a.arg).lower()
             for a in [*fn.args.args, *fn.args.kwonlyargs] if ID_PARAM.match(a.arg)}
    stems = {s for s in stems if len(s) >= 3}
    if not stems:
        return False
    for d in _dependencies(fn):
        name = au.last(au.dotted(d.args[0])).lower() if d.args else ""
        if _ACCESS_WORD.search(name) and any(stem in name for stem in stems):
            return True
    return False


def parent_dependencies(fn: FnDef, ids: set[str]) -> list[ast.expr]:
    """The dependencies that fill a parameter the handler scopes its lookup by, together with an id
    (``item: Item = Depends(get_user_item)`` and ``select(Image).where(Image.id == image_id, Image.item_id ==
    item.id)``): when that dependency checks the caller's access to its object, what is found within it is the
    caller's too."""
    defaults = au.param_defaults(fn)
    filled: dict[str, ast.expr] = {}
    for a in [*fn.args.args, *fn.args.kwonlyargs]:
        for d in (defaults.get(a.arg), a.annotation):
            dep = next((n for n in au.walk(d) if isinstance(n, ast.Call) and n.args
                        and au.last(au.dotted(n.func)) in {"Depends", "Security"}), None) if d is not None else None
            if dep is not None:
                filled[a.arg] = dep.args[0]
    if not filled:
        return []
    out: list[ast.expr] = []
    for call in au.calls(fn):
        used = {n.id for a in [*call.args, *(k.value for k in call.keywords)] for n in ast.walk(a)
                if isinstance(n, ast.Name)}
        if used & ids:
            out += [filled[p] for p in sorted(used & set(filled)) if filled[p] not in out]
    return out


def _dependencies(fn: FnDef) -> list[ast.Call]:
    """The ``Depends(...)``/``Security(...)`` calls of the signature, in defaults and ``Annotated`` hints."""
    return [n for d in [*au.param_defaults(fn).values(), *(a.annotation for a in [*fn.args.args, *fn.args.kwonlyargs])]
            if d is not None for n in au.walk(d)
            if isinstance(n, ast.Call) and au.last(au.dotted(n.func)) in {"Depends", "Security"}]


#: everything a request carries from the client (not its method or path, which the router chose)
_CLIENT_DATA = REQUEST_FIELDS | {"headers", "cookies"}


def _client_said(fn: FnDef, ids: set[str]) -> list[ast.AST]:
    """``if`` statements whose test reads what the client sent (``request.args``, a name assigned from it) and whose
    body only decides whether to refuse: an owner compared with an id the client chose, or a refusal the client can
    avoid by not sending it, checks nothing. A test of the looked-up ``ids`` themselves (``if account_id:``) cannot
    be avoided without avoiding the lookup, and a body that loads or changes something is not a refusal."""
    told: set[str] = set()

    def reads_client(node: ast.AST) -> bool:
        return any((isinstance(n, ast.Name) and n.id in told) or (
            isinstance(n, ast.Attribute) and n.attr in _CLIENT_DATA and au.dotted(n.value) == "request")
            for n in au.walk(node))

    def carries(value: ast.expr) -> bool:
        # what the client said, perhaps converted; a record looked up by it is the server's
        if isinstance(value, ast.Call) and not reads_client(value.func):
            return au.dotted(value.func) in CONVERSIONS and any(reads_client(a) for a in value.args)
        return reads_client(value)

    for _ in range(2):
        for node in au.walk(fn):
            if isinstance(node, ast.Assign) and carries(node.value):
                told |= {t.id for t in node.targets if isinstance(t, ast.Name) and t.id not in ids}
    return [node for node in au.walk(fn) if isinstance(node, ast.If) and reads_client(node.test)
            and _refuses(node.body)]


def _refuses(body: list[ast.stmt]) -> bool:
    """Statements that only compute and turn the request away (``return ..., 403``, ``raise``, ``abort(403)``, an
    assignment, and ``if``/``try`` made of such), changing nothing."""
    for stmt in body:
        if isinstance(stmt, ast.If | ast.Try):
            nested = [stmt.body, stmt.orelse] + (
                [h.body for h in stmt.handlers] + [stmt.finalbody] if isinstance(stmt, ast.Try) else [])
            if not all(_refuses(b) for b in nested):
                return False
        elif not (isinstance(stmt, ast.Return | ast.Raise | ast.Assign | ast.Pass) or (
                isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
                and au.last(au.dotted(stmt.value.func)) in {"abort", "flash"})):
            return False
    return True


def _loads_or_answers(stmt: ast.stmt) -> bool:
    """A statement that only loads a record into a name (``owner = db.execute(...).fetchone()``) or only builds the
    answer (``return render_template(..., owner=owner)``): a word such as ``owner`` in it names data, not a check."""
    value = stmt.value if isinstance(stmt, (ast.Assign, ast.Return)) else None
    if value is None or any(isinstance(n, (ast.Compare, ast.IfExp, ast.BoolOp)) for n in ast.walk(value)):
        return False
    if isinstance(stmt, ast.Return):
        return isinstance(value, ast.Call) and au.last(au.dotted(value.func)) in _ANSWER_BUILDERS
    return isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets) and isinstance(
        value, ast.Call) and bool(
        re.search(r"(?i)\b(?:execute|query|get|filter(?:_by)?|find(?:_one)?|fetchone|first)\b", ast.unparse(value)))


#: calls that build the answer: handing them the caller and the object shows both, and compares nothing
_ANSWER_BUILDERS = frozenset({"render_template", "render", "TemplateResponse", "render_to_response", "jsonify",
                              "JSONResponse", "make_response", "dict", "Response", "template", "dumps"})


def _compares_with_caller(fn: FnDef, ids: set[str], aliases: set[str], skipped: set[int]) -> bool:
    """The caller is compared with something other than a presence test, scopes a lookup or a subscript, or is
    handed to one call together with an object's id or what was loaded by it (``current_user.uncollect(photo)``
    acts within the caller's own relation)."""
    loaded = set(ids) | {t.id for node in au.walk(fn) if isinstance(node, ast.Assign)
                         and any(isinstance(n, ast.Name) and n.id in ids for n in au.walk(node.value))
                         for t in node.targets if isinstance(t, ast.Name)}
    skipped = skipped | _display_flags(fn)
    for node in au.walk(fn):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Compare) and not _presence_compare(node) and _mentions(node, aliases):
            return True
        if isinstance(node, ast.Call) and au.last(au.dotted(node.func)) not in _ANSWER_BUILDERS:
            args = [*node.args, *(k.value for k in node.keywords)]
            with_id = any(isinstance(n, ast.Name) and n.id in loaded for a in args for n in au.walk(a))
            by_caller = any(_mentions(a, aliases) for a in args)
            if (by_caller and (with_id or _LOOKUP.search(au.dotted(node.func) or ""))) or (
                    with_id and _mentions(node.func, aliases)):
                return True  # ``filter_by(id=i, user_id=uid)``, ``current_user.notes.get(i)``, ``can_edit(i, me)``
        if isinstance(node, ast.Subscript) and _mentions(node.slice, aliases) and not isinstance(
                node.slice, ast.Constant):
            return True
    return False


def _display_flags(fn: FnDef) -> set[int]:
    """Comparisons only kept for the page (``is_own = user_id == session["user_id"]`` handed to the template, never
    tested by a branch that refuses): they tell the page whose profile it shows, and refuse nothing."""
    tested = {n.id for node in au.walk(fn) if isinstance(node, (ast.If, ast.IfExp, ast.While, ast.Assert))
              for n in ast.walk(node.test) if isinstance(n, ast.Name)}
    return {id(n) for node in au.walk(fn) if isinstance(node, ast.Assign) and isinstance(node.value, ast.Compare)
            and all(isinstance(t, ast.Name) and t.id not in tested for t in node.targets)
            for n in ast.walk(node.value)}


def _ownership_checked(fn: FnDef, local: dict[str, FnDef], ids: set[str], depth: int = 0) -> bool:
    """The body (not the signature: a ``current_user`` dependency only makes the caller known) compares with the
    caller, names a check (owner, permission), or rejects with 403, or with 404 other than for a missing object.
    What it only says (its docstring, a log line) checks nothing, and neither does reading the caller only to know
    that someone signed in."""
    if any(_CHECK_MARKERS.search(ast.unparse(d)) for d in _dependencies(fn)):
        return True  # a dependency that checks (``Depends(check_owner_order_permission)``)
    if _parent_guarded(fn):
        return True
    for dep in parent_dependencies(fn, ids):
        dep_fn = local.get(au.dotted(dep))
        if dep_fn is not None and dep_fn is not fn and depth < 1 and _ownership_checked(
                dep_fn, local, {a.arg for a in dep_fn.args.args if ID_PARAM.match(a.arg)}, depth + 1):
            return True  # the parent object comes from a dependency of this module that checks the caller
    existence = _existence_checks(fn)
    aliases, reads = _caller_reads(fn, ids)
    reads += _client_said(fn, ids)
    inside_reads = {id(n) for r in reads for n in au.walk(r)}
    flags = _display_flags(fn)
    statements = [s for s in fn.body if id(s) not in existence and not _loads_or_answers(s)
                  and not (isinstance(s, ast.Assign) and id(s.value) in flags)]
    text = "\n".join(ast.unparse(s) for s in statements)
    said_text = _said_only(fn)
    for dropped in [*said_text, *(ast.unparse(r) for r in reads)]:
        text = text.replace(dropped, "")
    for query, condition in _query_conditions(fn):
        text = text.replace(query, condition)
    text = _FLAG_OFF.sub("", text)  # ``get_post(id, check_author=False)`` names a check it turns off
    if _CHECK_MARKERS.search(text) or REJECTS.search(text):
        return True
    if any(_CHECK_MARKERS.search(ast.unparse(s.test)) for s in au.walk(fn) if id(s) in existence
           and isinstance(s, ast.If)):
        return True
    said = {id(d) for n in au.walk(fn) if isinstance(n, (ast.Expr, ast.Call)) and ast.unparse(n) in said_text
            for d in au.walk(n)}
    if _compares_with_caller(fn, ids, aliases, inside_reads | said):
        return True
    if depth >= 1:
        return False
    for call in au.calls(fn):
        callee = local.get(au.last(au.dotted(call.func)))
        if callee is None or callee is fn or (_CALLER_LOADER.match(callee.name) and not _passes(call, ids)):
            continue  # a helper that only loads the caller (``user = current_user()``) checks no object
        if _switches_off(call, callee):
            continue  # ``get_post(id, False)``: the helper's check is conditioned on a flag this call turns off
        if _ownership_checked(callee, local, set(), depth + 1):
            return True
    return False


#: a keyword argument turned off (``check_author=False``): it names a check the call does not do
_FLAG_OFF = re.compile(r"\b\w+\s*=\s*(?:False|None)\b")


def _switches_off(call: ast.Call, callee: FnDef) -> bool:
    """The call hands ``False`` (or ``None``) to a parameter the helper tests before it checks anything
    (``get_post(id, check_author=False)`` of ``def get_post(id, check_author=True): ... if check_author and ...``)."""
    params = [a.arg for a in [*callee.args.posonlyargs, *callee.args.args]]
    off = {params[i] for i, a in enumerate(call.args) if i < len(params) and _falsy(a)}
    off |= {k.arg for k in call.keywords if k.arg and _falsy(k.value)}
    return bool(off) and any(isinstance(n, ast.Name) and n.id in off for node in au.walk(callee)
                             if isinstance(node, ast.If) for n in ast.walk(node.test))


def _falsy(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and (node.value is False or node.value is None)


#: helpers that load the signed-in caller (its record, its token's claims): reading the caller is no check
_CALLER_LOADER = re.compile(r"(?i)^_?(?:get_?)?(?:current|logged_?in|signed_?in|auth(?:enticated)?|session|"
                            r"request)?_?(?:user|account|member|principal|identity|claims|payload)$|^_?whoami$")


def _passes(call: ast.Call, ids: set[str]) -> bool:
    """The call is handed one of ``ids`` (or something computed from one)."""
    return any(isinstance(n, ast.Name) and n.id in ids
               for a in [*call.args, *(k.value for k in call.keywords)] for n in ast.walk(a))


def uses_in_body(fn: FnDef, param: str) -> bool:
    """``param`` is read in the body."""
    return any(isinstance(n, ast.Name) and n.id == param for s in fn.body for n in au.walk(s))


def uses_in_lookup(fn: FnDef, param: str) -> bool:
    """``param`` reaches a lookup call (query, get, filter, execute...) or a subscript."""
    for node in au.walk(fn):
        if isinstance(node, ast.Call) and _LOOKUP.search(au.dotted(node.func) or ""):
            args = [*node.args, *[k.value for k in node.keywords]]
            if any(isinstance(n, ast.Name) and n.id == param for a in args for n in au.walk(a)):
                return True
        if isinstance(node, ast.Subscript) and any(
            isinstance(n, ast.Name) and n.id == param for n in au.walk(node.slice)
        ):
            return True
    return False


#: a parameter that stands for the caller when a dependency fills it (``user: User = Depends(get_current_user)``,
#: ``current_agency: CurrentAgency``)
_CALLER_PARAM = re.compile(r"user|account|principal|identity|caller|owner|member|customer|subject|^current_",
                           re.IGNORECASE)
#: an ``Annotated[..., Depends(...)]`` alias named for the caller, defined elsewhere (``CurrentUser``,
#: ``CurrentAgency``, ``UserDep``)
_CALLER_ALIAS = re.compile(r"^(?:Current[A-Z]\w*|\w*(?:User|Principal|Identity|Account|Member)Dep(?:endency)?)$")


def _caller_params(fn: FnDef) -> set[str]:
    """Parameters a FastAPI dependency fills with the caller (by default value, ``Annotated`` hint, or an alias
    named for the caller)."""
    defaults = au.param_defaults(fn)
    out: set[str] = set()
    for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]:
        alias = a.annotation is not None and bool(_CALLER_ALIAS.match(au.last(au.dotted(a.annotation))))
        if _CALLER_PARAM.search(a.arg) and (alias or _filled_by_dependency(a, defaults)):
            out.add(a.arg)
    return out


def _filled_by_dependency(a: ast.arg, defaults: dict[str, ast.expr]) -> bool:
    """A ``Depends(...)``/``Security(...)`` fills the parameter, by its default value or its ``Annotated`` hint."""
    return any(isinstance(n, ast.Call) and au.last(au.dotted(n.func)) in {"Depends", "Security"}
               for part in (defaults.get(a.arg), a.annotation) if part is not None for n in ast.walk(part))


def _scoped_call(fn: FnDef, ids: list[str]) -> bool:
    """The handler hands an id and the caller to the same call (``service.delete(repo, user, item_id)``): the
    callee is given what it needs to scope the lookup to the caller, which is what such a signature is for."""
    callers = _caller_params(fn)
    if not callers:
        return False
    for call in au.calls(fn):
        used = {n.id for a in [*call.args, *(k.value for k in call.keywords)] for n in ast.walk(a)
                if isinstance(n, ast.Name)}
        if used & callers and used & set(ids):
            return True
    return False


def unchecked_id_params(tree: ast.Module, handlers: set[str]) -> dict[str, list[str]]:
    """``{"get_task": ["task_id"], "TasksApi.default": ["task_id"]}`` for the handlers in ``handlers``."""
    local = {f.name: f for f in au.functions(tree)}
    keyed: list[tuple[str, FnDef]] = []
    in_class: set[int] = set()
    for cls in au.nodes_of_any(tree, ast.ClassDef):
        if isinstance(cls, ast.ClassDef):
            for fn in cls.body:
                if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    keyed.append((f"{cls.name}.{fn.name}", fn))
                    in_class.add(id(fn))
    keyed += [(fn.name, fn) for fn in au.functions(tree) if id(fn) not in in_class]
    out: dict[str, list[str]] = {}
    for key, fn in keyed:
        if fn.name not in handlers:
            continue
        args = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs] if a.arg != "self"]
        if any(capability_key(a) and uses_in_body(fn, a) for a in args):
            continue  # a secret in the URL (an invitation or reset token) is what authorizes the request
        candidates = [a for a in [*args, *_request_ids(fn)] if ID_PARAM.match(a) and uses_in_lookup(fn, a)]
        if candidates and not _ownership_checked(fn, local, set(candidates)) and not _scoped_call(fn, candidates):
            out[key] = candidates
    return out


def _request_ids(fn: FnDef) -> list[str]:
    """Keys the client sends in the body or query string, other than of things everyone may refer to."""
    return [name for name, field in client_keys(fn) if not (SHARED_KEY.match(name) or SHARED_KEY.match(field))]


def client_chosen_ids(tree: ast.Module, handlers: set[str]) -> dict[str, dict[str, list[str]]]:
    """Per handler, the id-like names the client picks outside the path: ``read`` from the request in the body, and
    ``arguments`` no dependency fills (FastAPI's or Litestar's query or body parameters; not the caller's own)."""
    out: dict[str, dict[str, list[str]]] = {}
    for fn in au.functions(tree):
        if fn.name not in handlers:
            continue
        defaults, callers = au.param_defaults(fn), _caller_params(fn)
        arguments = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
                     if ID_PARAM.match(a.arg) and a.arg not in callers and not _filled_by_dependency(a, defaults)]
        read = _request_ids(fn)
        if arguments or read:
            out[fn.name] = {"read": read, "arguments": arguments}
    return out


def caller_scoped(tree: ast.Module, handlers: set[str]) -> list[str]:
    """Handlers that take no object's id and scope what they read to the caller (``Task.query.filter_by(
    user_id=current_user.id)``, ``WHERE owner = ?`` with the session's user): the author shows each caller only
    their own records of that collection, so a read of one of them by id that checks nothing is the leak."""
    out: list[str] = []
    for fn in au.functions(tree):
        if fn.name not in handlers:
            continue
        args = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]]
        if any(ID_PARAM.match(a) for a in args):
            continue
        aliases, reads = _caller_reads(fn, set())
        if _compares_with_caller(fn, set(), aliases, {id(n) for r in reads for n in au.walk(r)}):
            out.append(fn.name)
    return out


def _handlers_of(tree: ast.Module, unchecked: dict[str, list[str]]) -> Iterator[tuple[str, list[str], FnDef]]:
    """Each unchecked handler's key, id parameters and function definition."""
    by_name = {f.name: f for f in au.functions(tree)}
    for key, params in unchecked.items():
        fn = by_name.get(key.rsplit(".", 1)[-1])
        if fn is not None:
            yield key, params, fn


def id_callees(tree: ast.Module, unchecked: dict[str, list[str]], imports: au.Imports) -> dict[str, list[str]]:
    """For each unchecked handler: the functions it hands one of its id parameters to, by qualified name
    (``store.delete_note``), so that the project step can look for the ownership check in another module."""
    out: dict[str, list[str]] = {}
    for key, params, fn in _handlers_of(tree, unchecked):
        names = {
            au.qualname(call.func, imports)
            for call in au.calls(fn)
            if any(isinstance(n, ast.Name) and n.id in params
                   for a in [*call.args, *(k.value for k in call.keywords)] for n in ast.walk(a))
        }
        found = sorted(n for n in names if "." in n)
        if found:
            out[key] = found
    return out


def parent_dependency_names(tree: ast.Module, unchecked: dict[str, list[str]], imports: au.Imports) -> dict[str,
                                                                                                       list[str]]:
    """For each unchecked handler: the dependencies of other modules that fill the parent its lookup is scoped by,
    by qualified name (``deps.get_user_item``); the project step looks for the caller's check in them."""
    out: dict[str, list[str]] = {}
    for key, params, fn in _handlers_of(tree, unchecked):
        found = sorted({n for dep in parent_dependencies(fn, set(params)) if "." in (n := au.qualname(dep, imports))})
        if found:
            out[key] = found
    return out


def owner_scoping_functions(tree: ast.Module) -> list[str]:
    """Module-level functions that load an object by an id parameter and check it against the caller
    (``Item.user_id == user.id``), as a handler's ownership check is judged: a 404 for a missing object alone does
    not count, unlike :func:`apishield.audit.scoping.scoping_functions`."""
    local = {f.name: f for f in au.functions(tree)}
    return [fn.name for fn in tree.body if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
            and (ids := {a.arg for a in [*fn.args.args, *fn.args.kwonlyargs] if ID_PARAM.match(a.arg)})
            and _ownership_checked(fn, local, ids, depth=1)]


def id_models(tree: ast.Module, unchecked: dict[str, list[str]]) -> dict[str, list[str]]:
    """For each unchecked handler: the model classes named in the lookups its id reaches (``Class.query.get(id)``,
    ``db.query(models.Todos).filter(models.Todos.id == todo_id)``, ``get_object_or_404(Note, pk=pk)``)."""
    out: dict[str, list[str]] = {}
    for key, params, fn in _handlers_of(tree, unchecked):
        names: set[str] = set()
        for stmt in au.walk(fn):
            if not isinstance(stmt, (ast.Assign, ast.Expr, ast.Return)) or stmt.value is None or not any(
                    isinstance(n, ast.Name) and n.id in params for n in au.walk(stmt.value)):
                continue
            for n in au.walk(stmt.value):
                name = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else ""
                if name[:1].isupper() and not name.isupper():
                    names.add(name)
        if names:
            out[key] = sorted(names)
    return out


__all__ = [
    "OWNER_MARKERS",
    "OWNER_WORDS",
    "REJECTS",
    "client_chosen_ids",
    "id_callees",
    "id_models",
    "owner_scoping_functions",
    "parent_dependencies",
    "parent_dependency_names",
    "unchecked_id_params",
    "uses_in_body",
    "uses_in_lookup",
]
