"""Passwords kept as the caller typed them: AS608.

A password read from the request (``request.form['password']``, ``data.get('password')``, a body model's
``.password``, a form's ``.password.data``) that reaches storage unchanged — an INSERT or UPDATE naming a password
column, a model built or updated with ``password=``, ``user.password = pw``, a record ``{'password': pw}`` put in a
store — is readable by anyone who reads the store (a backup, a SQL injection, an administrator). Any call on the
value before it is stored (``generate_password_hash(pw)``, ``bcrypt.hashpw``, ``make_password``) counts as hashing,
except the string methods that leave it as typed (``.strip()``, ``.encode()``); AS604 judges the hash itself.

Two more shapes prove a store of plain passwords. A login that checks the typed password by equality with the stored
one — ``WHERE username = ? AND password = ?`` with the typed value, or ``user['password'] == password`` — only works
when the store holds it as typed. And a fixed password written by an INSERT as is (a seeded ``'admin123'`` in the
password column's place) is stored in plain text whoever typed it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator

from apishield.audit import astutil as au
from apishield.audit.client_data import REQUEST_NAMES
from apishield.audit.rules._secret_values import SQL_HASHED
from apishield.audit.rules.base import SCHEMA_SUFFIXES, at, is_sample_code, is_test_code, request_bound_forms
from apishield.audit.rules.registry import ModuleContext, ProjectContext, rule
from apishield.audit.taint.catalogue import SQL_RUNNERS
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

PASSWORD_KEY = re.compile(r"^(?:new_?|user_?)?(?:password|passwd|pwd|pass|passcode)\d?$", re.IGNORECASE)
#: calls that store a record: a model's constructor (``User(...)``) or an ORM/store write
_STORE_CALLS = frozenset({"create", "insert", "insert_one", "insert_many", "update", "update_one", "save",
                          "get_or_create", "update_or_create"})
#: capitalised names that are request schemas or commands, not stored models
_SCHEMA_CLASS = re.compile(rf"(?:{'|'.join((*SCHEMA_SUFFIXES, 'Command', 'Form', 'Base'))})$")
#: body-like parameters (a request schema, a form, the parsed JSON)
_BODY_PARAM = re.compile(r"^(?:body|payload|data|form|args|params|post_data|json_data|command|schema|user_in|\w+_in|"
                         r"\w+_request|\w+_data|\w+_form|\w+_body)$")
#: the names of password hashing functions and libraries
_HASH_NAMES = "generate_password_hash|hashpw|make_password|bcrypt|argon2|pbkdf2|scrypt"
#: a model of the project hashes the password it is given (a property setter, ``set_password``, its constructor)
_MODEL_HASHES = re.compile(
    r"@\w*pass\w*\.setter|def (?:set_password|hash_password)\b|def __init__\([^)]*pass[\s\S]{0,600}?"
    rf"(?:{_HASH_NAMES}|\.hash\(|crypt\()")
SQL_WRITE = re.compile(r"\b(?:INSERT|UPDATE)\b[^;]*pass", re.IGNORECASE | re.DOTALL)
#: a sign-in's own query: an account selected by its password column, plain or hashed (``WHERE username = ? AND
#: password = ?``)
SQL_SIGN_IN = re.compile(r"\bSELECT\b[^;]*\bWHERE\b[^;]*\b\w*pass\w*\s*=", re.IGNORECASE | re.DOTALL)
#: a query selecting by the password column (``WHERE username = ? AND password = ?``); a column named for a hash
#: (``password_hash = '{pw}'``) holds hashes, whatever the query compares it with
_SQL_CHECK = re.compile(r"\bSELECT\b[^;]*\bWHERE\b[^;]*\b(?!\w*(?:hash|digest|crypt|salt))\w*pass\w*\s*=",
                        re.IGNORECASE | re.DOTALL)
#: the module hashes passwords somewhere: an equality check with the stored value is then a broken check of a hash
#: (its own weakness), not proof of a plain store
_HASHES_HERE = re.compile(rf"(?i){_HASH_NAMES}|passlib|(?:hasher|context|ph)\.hash$")
#: ``INSERT INTO users (id, username, password) VALUES (...)``: the column list and, when written inline, the values
_SQL_INSERT = re.compile(r"\bINSERT\b(?:\s+OR\s+\w+)?\s+INTO\s+[\w.`\"\[\]]+\s*\(([^)]*)\)\s*VALUES\s*\(([^)]*)\)",
                         re.IGNORECASE | re.DOTALL)
#: a local named for a password, in the languages seen in projects (``password_plain``, ``parola_noua``)
_PASSWORD_WORD = re.compile(r"(?i)(?:^|_)(?:password|passwd|pwd|pass|passcode|parola|passwort|contrasena|senha|"
                            r"salasana|wachtwoord|mot_?de_?passe)(?:_|\d|$)")
_NOT_THE_PASSWORD = re.compile(r"(?i)hash|digest|salt|crypt|enc|len|policy|reset|changed|valid|ok$|match|min|max|"
                               r"strength|field|label|hint|rule|column")
#: string methods that keep a password as typed
_AS_TYPED = frozenset({"strip", "lstrip", "rstrip", "encode", "decode"})
#: a stored value that already looks hashed: bcrypt/argon2/pbkdf2 strings or a hex digest
_HASH_SHAPED = re.compile(r"^(?:\$\w+\$|pbkdf2|argon2|scrypt|sha\d+\$|[0-9a-f]{32,128}$)", re.IGNORECASE)
#: calls that check a typed credential against what is stored (a sign-in, not a sign-up)
VERIFIES = re.compile(r"(?i)check_password|checkpw|verify|compare_digest|authenticate")


def module_classes(tree: ast.Module) -> frozenset[str]:
    """The names of the classes a module defines (a model class named in lower case, ``class users(db.Model)``)."""
    return frozenset(c.name for c in au.nodes_of(tree, ast.ClassDef) if isinstance(c, ast.ClassDef))


class RequestPasswords:
    """The raw passwords of one function and where they are stored."""

    def __init__(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, hashes_here: bool = False,
                 classes: frozenset[str] = frozenset(), forms: frozenset[str] = frozenset()) -> None:
        self.hashes_here = hashes_here
        self.forms = forms  # form classes that fill themselves from the request (``RegisterForm()`` of Flask-WTF)
        args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
        self.params = {a.arg for a in args if _BODY_PARAM.match(a.arg) or (
            isinstance(a.annotation, ast.Name) and a.annotation.id[:1].isupper())} - {"self", "cls"}
        self.request_names: set[str] = set()  # ``data = request.get_json()``
        self.raw: set[str] = set()
        self.fixed: set[str] = set()  # password-named locals holding a literal: ``password = 'kissa'``
        self.texts: dict[str, ast.expr] = {}  # SQL text kept in a local: ``query = f"INSERT ..."``
        self.origins: dict[str, str] = {}  # raw password locals read from a request schema: name -> schema class
        self.classes = classes  # the module's own classes, whatever the case of their names

    def builds_record(self, name: str) -> bool:
        """``name(...)`` builds a stored record: a class named as classes are (``User``), or a class of the module
        named in lower case (``users(...)`` of ``class users(db.Model)``); a function (``authenticate(...)``) is not."""
        return name[:1].isupper() or name in self.classes

    def query(self, call: ast.Call) -> ast.expr | None:
        """The SQL a runner call is given: its first argument, or the text a local holding it was set to
        (``query = f"INSERT ..."`` then ``execute(query)``)."""
        if not call.args:
            return None
        sql = _unwrapped(call.args[0])
        return self.texts.get(sql.id, sql) if isinstance(sql, ast.Name) else sql

    def kept_statement(self, call: ast.Call) -> bool:
        """``db_query(query)`` of the project's own runner: its first argument is a local this function set to SQL
        text that writes or selects (``query = "INSERT INTO users ..."``)."""
        first = _unwrapped(call.args[0]) if call.args else None
        text = self.texts.get(first.id) if isinstance(first, ast.Name) else None
        return text is not None and bool(SQL_WRITE.search(sql_text(text)) or _SQL_CHECK.search(sql_text(text)))

    def from_request(self, node: ast.AST) -> bool:
        root = node
        while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):
            root = root.func if isinstance(root, ast.Call) else root.value
        return isinstance(root, ast.Name) and (root.id in REQUEST_NAMES or root.id in self.request_names
                                               or root.id in self.params)

    def is_raw(self, node: ast.AST | None) -> bool:
        """The request's password itself (not a call's result, which may be its hash)."""
        if node is None:
            return False
        node = _as_typed(node)
        if isinstance(node, ast.Name):
            return node.id in self.raw
        key = au.field_read(node)
        return bool(key and PASSWORD_KEY.match(key)) and self.from_request(node)

    def learn(self, stmt: ast.Assign | ast.AnnAssign) -> None:
        value = stmt.value
        targets = au.target_names(stmt)
        plain = [t for t in targets if "." not in t and "[" not in t]
        if value is None:
            return
        value = _unwrapped(value)
        if isinstance(value, (ast.Constant, ast.JoinedStr, ast.BinOp)) or (
                isinstance(value, ast.Call) and au.callee(value).endswith("format")):
            self.texts.update({t: value for t in plain})
        named = [t for t in plain if _PASSWORD_WORD.search(t) and not _NOT_THE_PASSWORD.search(t)]
        if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
            self.fixed.update(named)
        else:
            self.fixed.difference_update(plain)
        if self.is_raw(value) or (named and self.from_request(_as_typed(value)) and len(named) == len(plain)):
            self.raw.update(plain)
        else:
            self.raw.difference_update(plain)  # reassigned, e.g. ``password = generate_password_hash(password)``
            if (self.from_request(value) and not isinstance(value, ast.Constant)) or self.bound_schema(value):
                self.request_names.update(plain)

    def bound_schema(self, value: ast.AST | None) -> str:
        """The class a form or schema is built from the request's data with (``SignUpForm(request.POST)``,
        ``UserSerializer(data=request.data)``): its fields are the request's values, so the instance carries them;
        ``""`` for anything else (a function's result, ``hash_password(request.form['password'])``, is not)."""
        if not isinstance(value, ast.Call):
            return ""
        name = au.last(au.dotted(value.func))
        given = [*value.args, *(k.value for k in value.keywords)]
        if not given and name in self.forms:
            return name  # ``RegisterForm()``: Flask-WTF fills it from the request's form
        return name if name[:1].isupper() and any(self.from_request(a) for a in given) else ""


def _unwrapped(node: ast.expr) -> ast.expr:
    """SQLAlchemy's ``text("INSERT ...")`` (or ``sqlalchemy.text``): the statement it wraps, as written."""
    if (isinstance(node, ast.Call) and au.last(au.dotted(node.func)) == "text" and len(node.args) == 1
            and not node.keywords):
        return node.args[0]
    return node


def _as_typed(node: ast.AST) -> ast.AST:
    """``pw.strip()``, ``pw.encode()``, ``str(pw)``: the value still as typed."""
    while isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr in _AS_TYPED:
            node = node.func.value
        elif isinstance(node.func, ast.Name) and node.func.id == "str" and len(node.args) == 1:
            node = node.args[0]
        else:
            break
    return node


def _stored_value(fn: RequestPasswords, node: ast.AST) -> bool:
    """``user.password``, ``row['password']``: a password read from a stored record, not from the request."""
    if not isinstance(node, (ast.Attribute, ast.Subscript)) or fn.from_request(node):
        return False
    key = au.field_read(node)
    return bool(key and PASSWORD_KEY.match(key))


def insert_literal(text: str, params: ast.AST | None, fixed: Collection[str] = ()) -> str | None:
    """The literal an INSERT puts in its password column, if it puts one: inline (``VALUES (1, 'alice',
    'password123')``) or as the matching parameter (``(?, ?, ?)`` with ``('admin', 'admin123', 'admin')``, or a
    local named in ``fixed`` that holds a literal: its name is returned then)."""
    match = _SQL_INSERT.search(text)
    if match is None:
        return None
    columns = [c.strip(" `\"[]").lower() for c in match.group(1).split(",")]
    where = [i for i, c in enumerate(columns) if PASSWORD_KEY.match(c)]
    if not where:
        return None
    values = [v.strip() for v in match.group(2).split(",")]
    index = where[0]
    if len(values) == len(columns) and values[index][:1] in ("'", '"'):
        literal = values[index].strip("'\"")
        placeholder = any(mark in literal for mark in ("%", "{", "}", "?")) or literal.startswith(":")
        return literal if literal and not placeholder and not _HASH_SHAPED.match(literal) else None
    if isinstance(params, (ast.Tuple, ast.List)) and len(params.elts) == len(columns):
        value = params.elts[index]
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value if value.value and not _HASH_SHAPED.match(value.value) else None
        return value.id if isinstance(value, ast.Name) and value.id in fixed else None
    return None


#: queries that select records equal to what they are given: ``filter_by(password=pw)``, ``find_one({...})``,
#: Django's ``User.objects.get(username=u, password=pw)`` / ``.filter(...)`` / ``get_object_or_404(User, ...)``
_LOOKUPS = frozenset({"filter_by", "find_one", "find", "get_or_none", "get_one", "count_documents", "get", "filter",
                      "get_object_or_404"})


def _looked_up_as_typed(fn: RequestPasswords, call: ast.Call) -> bool:
    """``User.query.filter_by(username=u, password=pw)``, ``users.find_one({'username': u, 'password': pw})``."""
    pairs: list[tuple[str, ast.AST]] = [(kw.arg, kw.value) for kw in call.keywords if kw.arg]
    for arg in call.args:
        if isinstance(arg, ast.Dict):
            pairs += [(k.value, v) for k, v in zip(arg.keys, arg.values, strict=True)
                      if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return any(PASSWORD_KEY.match(key) and fn.is_raw(value) for key, value in pairs)


def _checked_as_typed(fn: RequestPasswords, node: ast.AST) -> str:
    """How ``node`` checks a typed password against the stored one by equality, or ``""``."""
    if fn.hashes_here:
        return ""
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
        pair = (node.left, node.comparators[0])
        if any(fn.is_raw(a) and _stored_value(fn, b) for a, b in (pair, pair[::-1])):
            return "compared as typed with the stored password, so the store holds it in plain text"
    if isinstance(node, ast.Call) and au.last(au.dotted(node.func)) in _LOOKUPS and _looked_up_as_typed(fn, node):
        return "looked up as typed in the store, so the store holds it in plain text"
    if isinstance(node, ast.Call) and au.last(au.dotted(node.func)) == "compare_digest" and len(node.args) == 2:
        a, b = node.args
        if (fn.is_raw(a) and _stored_value(fn, b)) or (fn.is_raw(b) and _stored_value(fn, a)):
            return "compared as typed with the stored password, so the store holds it in plain text"
    return ""


def _stored(fn: RequestPasswords, node: ast.AST, model_hashes: bool) -> str:
    """How ``node`` stores a raw password, or ``""``. With ``model_hashes`` (a model of the project hashes what it
    is given) a model built or updated with it is not storage of the raw value; SQL and records still are."""
    checked = _checked_as_typed(fn, node)
    if checked:
        return checked
    if isinstance(node, ast.Call):
        name = au.last(au.dotted(node.func))
        if (name in SQL_RUNNERS or fn.kept_statement(node)) and (sql := fn.query(node)) is not None:
            text = sql_text(sql)
            parts = [sql, *node.args[1:]]
            raw = any(fn.is_raw(n) for a in parts for n in outside_calls(a, through_format=True))
            if SQL_HASHED.search(text):
                return ""  # the database hashes it in the query (AS604 judges a fast hash there)
            if SQL_WRITE.search(text) and raw:
                return "written by an INSERT/UPDATE"
            if _SQL_CHECK.search(text) and raw and not fn.hashes_here:
                return "compared as typed in the login's query, so the store holds it in plain text"
            if not isinstance(sql, ast.BinOp) and insert_literal(  # concatenated pieces are no SQL literal
                    text, node.args[1] if len(node.args) > 1 else None, fn.fixed) is not None:
                return "written by an INSERT as a fixed literal, so the store holds it in plain text"
            return ""
        model = (fn.builds_record(name) and not _SCHEMA_CLASS.search(name)) or name in _STORE_CALLS
        for kw in node.keywords:
            if model and not model_hashes and kw.arg and PASSWORD_KEY.match(kw.arg.replace("_hash", "")) \
                    and fn.is_raw(kw.value):
                return f"given to {name}() as {kw.arg}="
        if name in {"append", "insert", "insert_one", "add", "set", "update", "setdefault"}:
            for arg in node.args:
                if _raw_record(fn, arg):
                    return f"put in a store by {name}()"
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        if isinstance(target, ast.Attribute) and PASSWORD_KEY.match(target.attr) and fn.is_raw(node.value) \
                and not fn.from_request(target) and not model_hashes:
            return f"assigned to {ast.unparse(target)[:40]}"
        if isinstance(target, ast.Subscript) and not _CALL_ARGUMENTS.search(au.dotted(target.value)) and (
                _raw_record(fn, node.value) or (
                PASSWORD_KEY.match(au.str_const(target.slice) or "") and fn.is_raw(node.value))):
            return f"stored in {ast.unparse(target.value)[:40]}"
    return ""


def _raw_record(fn: RequestPasswords, node: ast.AST) -> bool:
    """``{'username': u, 'password': pw}``: a record holding the raw password."""
    return isinstance(node, ast.Dict) and any(
        PASSWORD_KEY.match(au.str_const(k) or "") and fn.is_raw(v) for k, v in zip(node.keys, node.values, strict=True)
        if k is not None)


#: a mapping of arguments for a call, not a record kept anywhere (``other_params['password'] = ...`` then
#: ``Redis(**other_params)``; ``headers``, ``auth``, ``connection_kwargs``)
_CALL_ARGUMENTS = re.compile(r"(?i)(?:^|[._])(?:\w*_)?(?:params|kwargs|options|opts|args|headers|auth|"
                             r"connection\w*|conn_\w+|client_\w+)$")


@rule(PLAINTEXT_PASSWORD)
def collect_password_stores(ctx: ModuleContext) -> Iterator[Finding]:
    """AS608, module part: what the project check joins, left in ``ctx.facts`` (large projects are read in worker
    processes, whose modules come back with facts and lines only)."""
    ctx.facts["password_model_hashes"] = bool(_MODEL_HASHES.search(ctx.source))
    if not au.mentions(ctx, ("pass", "pwd")) or is_test_code(ctx.path) or is_sample_code(ctx.path):
        return
    ctx.facts["password_helpers"] = _storing_helpers(ctx)
    ctx.facts["password_hashing"] = _hashing_functions(ctx)
    ctx.facts["password_stores"], ctx.facts["password_calls"] = _module(ctx)
    yield from ()


@rule(PLAINTEXT_PASSWORD, scope="project")
def check_plaintext_password(project: ProjectContext) -> Iterator[Finding]:
    """AS608 — a password read from the request stored unchanged: in an INSERT/UPDATE that names a password column,
    as a ``password=`` keyword of a constructor or a create/update call, assigned to ``obj.password``, or in a record
    appended to or put in a store, directly or through a database helper whose SQL writes (or selects by) its own
    password parameter as given. A value passed through any call first (a hash) is not reported; test code is
    skipped. A project whose model hashes the password it is given (a ``password`` property setter,
    ``set_password``, a constructor that hashes) stores no raw password through that model."""
    hashed = "hashed" if any(m.facts.get("password_model_hashes") for m in project.modules) else "unhashed"
    helpers: dict[str, list[tuple[ModuleContext, tuple[str, int, int, int, str]]]] = {}
    for m in project.modules:
        for name, found in m.facts.get("password_helpers", {}).items():
            helpers.setdefault(name, []).append((m, found))
    # a name that some function of the project defines to hash the password it is given (a service's
    # ``register_user`` beside the repository's): a call by that name is not known to reach the storing helper
    hashing = {name for m in project.modules for name in m.facts.get("password_hashing", ())}
    reported: set[tuple[str, int]] = set()
    for module in project.modules:
        for line, end, how, when in module.facts.get("password_stores", ()):
            if when in ("always", hashed) and (module.path, line) not in reported:
                reported.add((module.path, line))
                text = f"the password is {how}" if "plain text" in how else \
                    f"the request's password is {how} without hashing"
                yield at(PLAINTEXT_PASSWORD, module.path, module.lines, line, text, end_line=end)
        for callee, positions, keywords, line in module.facts.get("password_calls", ()):
            owner, helper = _nearest(helpers.get(callee, []), module.path) if callee not in hashing else (None, None)
            if owner is None or helper is None or (owner.path, helper[2]) in reported or not (
                    helper[1] in positions or helper[0] in keywords):
                continue
            reported.add((owner.path, helper[2]))
            yield at(PLAINTEXT_PASSWORD, owner.path, owner.lines, helper[2], f"the request's password, passed as "
                     f"'{helper[0]}' by {module.path}:{line}, is {helper[4]} without hashing", end_line=helper[3])


def _hashing_functions(ctx: ModuleContext) -> list[str]:
    """Functions of the module that take a password-named parameter and hand it to a hashing call."""
    found = []
    for fn in au.nodes_of_any(ctx.tree, ast.FunctionDef, ast.AsyncFunctionDef):
        assert isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
        args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
        params = {a.arg for a in args if PASSWORD_KEY.match(a.arg)}
        if params and any(_HASHES_HERE.search(au.dotted(c.func)) and any(
                isinstance(a, ast.Name) and a.id in params for a in [*c.args, *(k.value for k in c.keywords)])
                for c in au.nodes_of(fn, ast.Call)):
            found.append(fn.name)
    return found


def _nearest(defined: list[tuple[ModuleContext, tuple[str, int, int, int, str]]], caller: str
             ) -> tuple[ModuleContext | None, tuple[str, int, int, int, str] | None]:
    """Of the modules defining a helper of one name, the one nearest the caller's folder (an application and its
    fixed twin each have their own ``create_user``): the longest shared folder path wins."""
    if not defined:
        return None, None
    folder = caller.replace("\\", "/").split("/")[:-1]

    def shared(entry: tuple[ModuleContext, tuple[str, int, int, int, str]]) -> int:
        other = entry[0].path.replace("\\", "/").split("/")[:-1]
        return next((i for i, (a, b) in enumerate(zip(folder, other, strict=False)) if a != b), min(len(folder),
                                                                                                    len(other)))
    return max(defined, key=shared)


#: a helper's SQL that proves a plain store when a caller hands it the typed password: its write, or its login query
_HELPER_SHAPES = ("written by an INSERT/UPDATE", "compared as typed in the login's query")


def _storing_helpers(ctx: ModuleContext) -> dict[str, tuple[str, int, int, int, str]]:
    """Functions whose SQL writes or selects by one of their own parameters named for a password as given
    (``def insert_user(self, username, password)`` running ``INSERT ... VALUES ('{password}')``): by function name,
    (the parameter, its position for a caller, the statement's first and last line, how). Whether that stores a
    typed password depends on what callers pass, which the project check joins with each call."""
    found: dict[str, tuple[str, int, int, int, str]] = {}
    for fn_node in au.nodes_of_any(ctx.tree, ast.FunctionDef, ast.AsyncFunctionDef):
        assert isinstance(fn_node, (ast.FunctionDef, ast.AsyncFunctionDef))
        names = [a.arg for a in [*fn_node.args.posonlyargs, *fn_node.args.args]]
        offset = 1 if names[:1] in (["self"], ["cls"]) else 0
        for param in (n for n in names[offset:] if PASSWORD_KEY.match(n)):
            fn = RequestPasswords(fn_node)
            fn.raw = {param}
            for stmt in function_statements(fn_node):
                node = next((c for c in own_nodes(stmt) if isinstance(c, ast.Call)
                             and (how := _stored(fn, c, True)).startswith(_HELPER_SHAPES)), None)
                if node is not None:
                    found[fn_node.name] = (param, names.index(param) - offset, node.lineno,
                                           node.end_lineno or node.lineno, how)
                    break
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                    fn.learn(stmt)
    return found


def _module(ctx: ModuleContext) -> tuple[list[tuple[int, int, str, str]], list[tuple[str, list[int], list[str], int]]]:
    """(the stores of typed passwords: first line, last line, how, and whether it holds ``always`` or only where
    the project's models hash or do not — ``hashed``/``unhashed``; the calls handing a typed password on: callee,
    positions and keywords that carry it, line)."""
    stores: list[tuple[int, int, str, str]] = []
    calls: list[tuple[str, list[int], list[str], int]] = []
    hashes_here = any(_HASHES_HERE.search(au.dotted(call.func)) for call in au.nodes_of(ctx.tree, ast.Call))
    classes = module_classes(ctx.tree)
    forms = request_bound_forms(ctx)
    for fn_node in au.nodes_of_any(ctx.tree, ast.FunctionDef, ast.AsyncFunctionDef):
        assert isinstance(fn_node, (ast.FunctionDef, ast.AsyncFunctionDef))
        fn = RequestPasswords(fn_node, hashes_here, classes, forms)
        for stmt in function_statements(fn_node):
            nodes = own_nodes(stmt)
            first = {when: next(((n, how) for n in nodes if (how := _stored(fn, n, when == "hashed"))), None)
                     for when in ("unhashed", "hashed")}
            for when, hit in first.items():
                if hit is not None:
                    both = first["unhashed"] == first["hashed"]
                    stores.append((hit[0].lineno, getattr(hit[0], "end_lineno", None) or hit[0].lineno, hit[1],
                                   "always" if both else when))
                    if both:
                        break
            for call in (n for n in nodes if isinstance(n, ast.Call)):
                positions = [i for i, a in enumerate(call.args) if fn.is_raw(a)]
                keywords = [k.arg for k in call.keywords if k.arg and fn.is_raw(k.value)]
                if positions or keywords:
                    calls.append((au.last(au.dotted(call.func)), positions, keywords, call.lineno))
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                fn.learn(stmt)
    return stores, calls


def own_nodes(stmt: ast.stmt) -> list[ast.stmt | ast.expr]:
    """The calls and comparisons a statement makes itself: a compound statement's own test (``if
    user['password'] == pw:``) only, since :func:`function_statements` lists its body's statements after it."""
    own = getattr(stmt, "test", None) if _compound(stmt) else stmt
    return [] if own is None else [own, *(n for n in au.walk_once(own) if isinstance(n, (ast.Call, ast.Compare)))]


def _compound(stmt: ast.stmt) -> bool:
    return isinstance(stmt, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try))


def sql_text(sql: ast.expr) -> str:
    """A query as written: a literal's text, else the expression's source (an f-string keeps its placeholders)."""
    return sql.value if isinstance(sql, ast.Constant) and isinstance(sql.value, str) else ast.unparse(sql)


def function_statements(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
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


__all__ = ["PASSWORD_KEY", "PLAINTEXT_PASSWORD", "SQL_SIGN_IN", "SQL_WRITE", "VERIFIES", "RequestPasswords",
           "function_statements", "own_nodes", "sql_text"]
