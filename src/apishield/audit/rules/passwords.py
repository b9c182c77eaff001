"""Passwords kept as the caller typed them: AS608.

A password read from the request (``request.form['password']``, ``data.get('password')``, a body model's
``.password``, a form's ``.password.data``) that reaches storage unchanged — an INSERT or UPDATE naming a password
column, a model built or updated with ``password=``, ``user.password = pw``, a record ``{'password': pw}`` put in a
store — is readable by anyone who reads the store (a backup, a SQL injection, an administrator). Any call on the
value before it is stored (``generate_password_hash(pw)``, ``bcrypt.hashpw``, ``make_password``) counts as hashing;
AS604 judges the hash itself. Comparisons (a login's query) are not storage and are not reported here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules.base import at_node, is_sample_code, is_test_code
from apishield.audit.rules.registry import ModuleContext, ProjectContext, rule
from apishield.audit.taint.values import outside_calls
from apishield.findings import Confidence, Finding, Rule, Severity

PLAINTEXT_PASSWORD = Rule(
    id="AS608",
    title="Password stored in plain text",
    cwe=(256, 312, 916),
    owasp="API2:2023",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    description="A password stored as the user typed it is disclosed by every leak of the store (a backup, a SQL "
    "injection, a curious administrator), and users reuse passwords across sites.",
    fix="Store a slow salted hash: `argon2.PasswordHasher().hash(pw)` (or `werkzeug.security."
    "generate_password_hash`, Django's `make_password`, passlib's `CryptContext(['argon2']).hash`) and verify with "
    "the library's `verify`.",
)

_PASSWORD_KEY = re.compile(r"^(?:new_?|user_?)?(?:password|passwd|pwd|pass|passcode)\d?$", re.IGNORECASE)
_REQUEST_ROOTS = frozenset({"request", "req"})
#: calls that store a record: a model's constructor (``User(...)``) or an ORM/store write
_STORE_CALLS = frozenset({"create", "insert", "insert_one", "insert_many", "update", "update_one", "save",
                          "get_or_create", "update_or_create"})
#: capitalised names that are request schemas or commands, not stored models
_SCHEMA_CLASS = re.compile(r"(?:Schema|Create|Update|In|Request|Command|DTO|Form|Payload|Body|Input|Base)$")
#: body-like parameters (a request schema, a form, the parsed JSON)
_BODY_PARAM = re.compile(r"^(?:body|payload|data|form|args|params|post_data|json_data|command|schema|user_in|\w+_in|"
                         r"\w+_request|\w+_data|\w+_form|\w+_body)$")
#: a model of the project hashes the password it is given (a property setter, ``set_password``, its constructor)
_MODEL_HASHES = re.compile(
    r"@\w*pass\w*\.setter|def (?:set_password|hash_password)\b|def __init__\([^)]*pass[\s\S]{0,600}?"
    r"(?:generate_password_hash|hashpw|\.hash\(|make_password|bcrypt|argon2|pbkdf2|scrypt|crypt\()")
_SQL_WRITE = re.compile(r"\b(?:INSERT|UPDATE)\b[^;]*pass", re.IGNORECASE | re.DOTALL)


class _Function:
    """The raw passwords of one function and where they are stored."""

    def __init__(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
        self.params = {a.arg for a in args if _BODY_PARAM.match(a.arg) or (
            isinstance(a.annotation, ast.Name) and a.annotation.id[:1].isupper())} - {"self", "cls"}
        self.request_names: set[str] = set()  # ``data = request.get_json()``
        self.raw: set[str] = set()

    def from_request(self, node: ast.AST) -> bool:
        root = node
        while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):
            root = root.func if isinstance(root, ast.Call) else root.value
        return isinstance(root, ast.Name) and (root.id in _REQUEST_ROOTS or root.id in self.request_names
                                               or root.id in self.params)

    def is_raw(self, node: ast.AST | None) -> bool:
        """The request's password itself (not a call's result, which may be its hash)."""
        if node is None:
            return False
        if isinstance(node, ast.Name):
            return node.id in self.raw
        key = au.field_read(node)
        return bool(key and _PASSWORD_KEY.match(key)) and self.from_request(node)

    def learn(self, stmt: ast.Assign | ast.AnnAssign) -> None:
        value = stmt.value
        targets = au.target_names(stmt)
        plain = [t for t in targets if "." not in t and "[" not in t]
        if value is None:
            return
        if self.is_raw(value):
            self.raw.update(plain)
        else:
            self.raw.difference_update(plain)  # reassigned, e.g. ``password = generate_password_hash(password)``
            if self.from_request(value) and not isinstance(value, ast.Constant):
                self.request_names.update(plain)


def _stored(fn: _Function, node: ast.AST, model_hashes: bool) -> str:
    """How ``node`` stores a raw password, or ``""``. With ``model_hashes`` (a model of the project hashes what it
    is given) a model built or updated with it is not storage of the raw value; SQL and records still are."""
    if isinstance(node, ast.Call):
        name = au.last(au.dotted(node.func))
        if name in {"execute", "executemany"} and node.args:
            sql = node.args[0]
            text = sql.value if isinstance(sql, ast.Constant) and isinstance(sql.value, str) else ast.unparse(sql)
            if _SQL_WRITE.search(text) and any(fn.is_raw(n) for a in node.args
                                                for n in outside_calls(a, through_format=True)):
                return "written by an INSERT/UPDATE"
            return ""
        model = (name[:1].isupper() and not _SCHEMA_CLASS.search(name)) or name in _STORE_CALLS
        for kw in node.keywords:
            if model and not model_hashes and kw.arg and _PASSWORD_KEY.match(kw.arg.replace("_hash", "")) \
                    and fn.is_raw(kw.value):
                return f"given to {name}() as {kw.arg}="
        if name in {"append", "insert", "insert_one", "add", "set", "update", "setdefault"}:
            for arg in node.args:
                if _raw_record(fn, arg):
                    return f"put in a store by {name}()"
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        if isinstance(target, ast.Attribute) and _PASSWORD_KEY.match(target.attr) and fn.is_raw(node.value) \
                and not fn.from_request(target) and not model_hashes:
            return f"assigned to {ast.unparse(target)[:40]}"
        if isinstance(target, ast.Subscript) and (_raw_record(fn, node.value) or (
                _PASSWORD_KEY.match(au.str_const(target.slice) or "") and fn.is_raw(node.value))):
            return f"stored in {ast.unparse(target.value)[:40]}"
    return ""


def _raw_record(fn: _Function, node: ast.AST) -> bool:
    """``{'username': u, 'password': pw}``: a record holding the raw password."""
    return isinstance(node, ast.Dict) and any(
        _PASSWORD_KEY.match(au.str_const(k) or "") and fn.is_raw(v) for k, v in zip(node.keys, node.values, strict=True)
        if k is not None)


@rule(PLAINTEXT_PASSWORD, scope="project")
def check_plaintext_password(project: ProjectContext) -> Iterator[Finding]:
    """AS608 — a password read from the request stored unchanged: in an INSERT/UPDATE that names a password column,
    as a ``password=`` keyword of a constructor or a create/update call, assigned to ``obj.password``, or in a record
    appended to or put in a store. A value passed through any call first (a hash) is not reported; test code is
    skipped. A project whose model hashes the password it is given (a ``password`` property setter,
    ``set_password``, a constructor that hashes) stores no raw password through that model."""
    model_hashes = any(_MODEL_HASHES.search(m.source) for m in project.modules)
    for ctx in project.modules:
        yield from _module(ctx, model_hashes)


def _module(ctx: ModuleContext, model_hashes: bool) -> Iterator[Finding]:
    if not au.mentions(ctx, ("pass", "pwd")) or is_test_code(ctx.path) or is_sample_code(ctx.path):
        return
    for fn_node in au.nodes_of_any(ctx.tree, ast.FunctionDef, ast.AsyncFunctionDef):
        assert isinstance(fn_node, (ast.FunctionDef, ast.AsyncFunctionDef))
        fn = _Function(fn_node)
        for stmt in _statements(fn_node):
            if _compound(stmt):
                continue  # its body's statements come next, one by one
            for node in [stmt, *(n for n in ast.walk(stmt) if isinstance(n, ast.Call))]:
                how = _stored(fn, node, model_hashes)
                if how:
                    yield at_node(PLAINTEXT_PASSWORD, ctx, node, f"the request's password is {how} without hashing")
                    break
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                fn.learn(stmt)


def _compound(stmt: ast.stmt) -> bool:
    return isinstance(stmt, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try))


def _statements(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    """The function's statements in source order, nested blocks included, nested functions excluded."""
    out: list[ast.stmt] = []
    stack: list[ast.stmt] = list(reversed(fn.body))
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        out.append(stmt)
        children = [c for field in ("body", "orelse", "finalbody", "handlers") for c in getattr(stmt, field, [])]
        stack.extend(reversed([c for c in children if isinstance(c, ast.stmt)]
                              + [s for h in children if isinstance(h, ast.ExceptHandler) for s in h.body]))
    return out


__all__ = ["PLAINTEXT_PASSWORD"]
