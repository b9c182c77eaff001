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

from apishield.audit import astutil as au
from apishield.audit.taint.catalogue import is_logger

ID_PARAM = re.compile(r"^(id|pk|uuid|.*_id|.*Id|.*_uuid|.*_pk)$")
_OWNER_MARKERS = re.compile(
    r"current_user|principal|owner|author|g\.user|request\.user|get_jwt_identity|identity|session|\.sub\b|"
    r"user_id\s*==|created_by|tenant|account_id\s*==|is_admin|can_access|authorize|check_access|has_access|"
    r"permission|belongs",
    re.IGNORECASE,
)
#: a literal every ``_OWNER_MARKERS`` alternative contains: the cheap test before the case-insensitive regex
_OWNER_WORDS = ("current_user", "principal", "owner", "author", "g.user", "request.user", "identity", "session",
                ".sub", "user_id", "created_by", "tenant", "account_id", "is_admin", "access", "authorize",
                "permission", "belongs")
_REJECTS = re.compile(r"abort\(40[34]\)|HTTPError\(40[34]|status_code=40[34]")
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
            if (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)) or (
                    isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Is)
                    and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None):
                out.add(id(node))
    return out


#: functions that only write a line to the console or a log
_SAYING_FUNCTIONS = frozenset({"print", "log", "warn"})


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


def _ownership_checked(fn: FnDef, local: dict[str, FnDef], depth: int = 0) -> bool:
    """The body (not the signature: a ``current_user`` dependency only makes the caller known) compares with the
    caller, or rejects with 403, or with 404 other than for a missing object. What it only says (its docstring, a
    log line) checks nothing."""
    existence = _existence_checks(fn)
    statements = [s for s in fn.body if id(s) not in existence]
    text = "\n".join(ast.unparse(s) for s in statements)
    for said in _said_only(fn):
        text = text.replace(said, "")
    if _OWNER_MARKERS.search(text) or _REJECTS.search(text):
        return True
    if any(_OWNER_MARKERS.search(ast.unparse(s.test)) for s in au.walk(fn) if id(s) in existence
           and isinstance(s, ast.If)):
        return True
    if depth >= 1:
        return False
    for call in au.calls(fn):
        callee = local.get(au.last(au.dotted(call.func)))
        if callee is not None and callee is not fn and _ownership_checked(callee, local, depth + 1):
            return True
    return False


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
        filled = [defaults.get(a.arg), a.annotation]
        alias = a.annotation is not None and bool(_CALLER_ALIAS.match(au.last(au.dotted(a.annotation))))
        if _CALLER_PARAM.search(a.arg) and (alias or any(
                isinstance(n, ast.Call) and au.last(au.dotted(n.func)) in {"Depends", "Security"}
                for f in filled if f is not None for n in ast.walk(f))):
            out.add(a.arg)
    return out


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
        candidates = [a for a in args if ID_PARAM.match(a) and uses_in_lookup(fn, a)]
        if candidates and not _ownership_checked(fn, local) and not _scoped_call(fn, candidates):
            out[key] = candidates
    return out


def id_callees(tree: ast.Module, unchecked: dict[str, list[str]], imports: au.Imports) -> dict[str, list[str]]:
    """For each unchecked handler: the functions it hands one of its id parameters to, by qualified name
    (``store.delete_note``), so that the project step can look for the ownership check in another module."""
    by_name = {f.name: f for f in au.functions(tree)}
    out: dict[str, list[str]] = {}
    for key, params in unchecked.items():
        fn = by_name.get(key.rsplit(".", 1)[-1])
        if fn is None:
            continue
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


def scoping_functions(tree: ast.Module, lines: list[str]) -> list[str]:
    """Module-level functions whose body compares with or pins the caller (the data layer scoping a query to
    the session user: ``WHERE id = ? AND user_id = ?`` with ``session['uid']``). Read from the source text: the
    tree is not unparsed."""
    out: list[str] = []
    for fn in tree.body:
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # the body only: a ``db: Session`` or ``current_user`` parameter compares nothing
            text = "\n".join(lines[fn.body[0].lineno - 1: fn.end_lineno or fn.lineno])
            folded = text.lower()
            owner = any(w in folded for w in _OWNER_WORDS) and _OWNER_MARKERS.search(text)
            if owner or _REJECTS.search(text):
                out.append(fn.name)
    return out


__all__ = ["ID_PARAM", "id_callees", "scoping_functions", "unchecked_id_params", "uses_in_lookup"]
