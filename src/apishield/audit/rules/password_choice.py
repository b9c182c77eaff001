"""AS610 in the code: a sign-up, reset or password change that keeps whatever password the client sends.

A password policy is enforced where a new password is accepted. Django's ``AUTH_PASSWORD_VALIDATORS`` (read by
:mod:`.password_policy`) apply only in its forms and in ``validate_password()``; a view that passes
``request.POST['password']`` to ``create_user()`` or ``set_password()`` skips them, and Flask, FastAPI, Bottle or
aiohttp code has no policy unless it writes one. So a function that takes a password from the request and keeps
it — hashes it, writes it, hands it to a model or to a ``create``/``register``/``set_password`` call — with nothing
between that looks at it (its length, a pattern, a character test, a call named for validation or strength) lets
users choose ``1`` or ``password``. A minimum length under eight is reported as such (NIST SP 800-63B).

A password that arrives in a request schema (a pydantic model, a marshmallow or form class) is checked there: the
project check reports it only when the schema is found and its password field carries no constraint or validator.
A function that also verifies the same password (``check_password_hash``, ``checkpw``, ``verify``) is a sign-in,
not a choice; a password handed to a hosted identity provider (Cognito's ``sign_up``, Firebase's
``create_user_with_email_and_password``) is kept under the provider's policy; test and sample code is skipped.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules.base import SCHEMA_SUFFIXES, at, is_sample_code, is_test_code, request_bound_forms
from apishield.audit.rules.identity_providers import provider_call
from apishield.audit.rules.password_policy import WEAK_POLICY
from apishield.audit.rules.passwords import (
    PASSWORD_KEY,
    SQL_SIGN_IN,
    SQL_WRITE,
    VERIFIES,
    RequestPasswords,
    function_statements,
    module_classes,
    own_nodes,
)
from apishield.audit.rules.registry import ModuleContext, ProjectContext, rule
from apishield.audit.taint.catalogue import SQL_RUNNERS
from apishield.findings import Finding

#: calls that keep a password: hash it, or hand it to an account's creation or change (the whole name, so a
#: ``remove_select_insert`` sanitiser is none)
_KEEPS = re.compile(r"(?i)^(?:hash\w*|\w*_hash|\w*crypt\w*|make_password|create\w*|register\w*|sign_?up|insert\w*|"
                    r"add_?user|new_?user|set_?password|update_?password|change_?password|save_?user|store\w*)$")
#: calls that look at a password before it is kept (a validator, a strength meter, a pattern)
_CHECKS = re.compile(r"(?i)valid|strong|strength|policy|complex|zxcvbn|weak|secure|meets|enforce|rule|match|search|"
                     r"findall|check_?pass(?!word_hash)|is_?good|acceptable")
#: calls that verify a typed password against a stored one: the function is a sign-in
_MINIMUM = 8
#: base classes that validate a request body against the fields they declare
_VALIDATING_BASES = frozenset({"BaseModel", "Schema", "Serializer", "ModelSerializer", "HyperlinkedModelSerializer",
                               "Form", "FlaskForm", "ModelForm", "Struct", "SQLModel", "ModelSchema",
                               "SQLAlchemySchema", "SQLAlchemyAutoSchema", "BaseSchema"})
#: a minimum length a field's declaration or validator states
_STATED_MINIMUM = re.compile(r"min_length['\"]?\s*[=:]\s*(\d+)|Length\(\s*(?:min\s*=\s*)?(\d+)|minlength['\"]?\s*[=:]"
                             r"\s*(\d+)|MinLen\((\d+)\)")


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in au.walk(node) if isinstance(n, ast.Name)}


def _raw_in(fn: RequestPasswords, node: ast.AST) -> list[ast.AST]:
    """The request's password values inside ``node`` (names and direct reads such as ``body.password``)."""
    return [n for n in au.walk(node) if isinstance(n, ast.Name | ast.Attribute | ast.Subscript | ast.Call)
            and fn.is_raw(n)]


def _kept(fn: RequestPasswords, node: ast.AST) -> list[ast.AST]:
    """The raw passwords ``node`` keeps: an argument of a hashing, creating or setting call, a ``password=`` keyword
    of a model, an INSERT/UPDATE naming a password column, ``user.password = pw``."""
    if isinstance(node, ast.Call):
        name = au.last(au.dotted(node.func))
        if provider_call(node):
            return []  # a hosted identity provider keeps it, under its own password policy
        if name in SQL_RUNNERS and (query := fn.query(node)) is not None:
            return [r for a in node.args for r in _raw_in(fn, a)] if SQL_WRITE.search(ast.unparse(query)) else []
        if _KEEPS.search(name) or (fn.builds_record(name) and not name.endswith(SCHEMA_SUFFIXES)):
            found = [r for a in node.args for r in _raw_in(fn, a)] if _KEEPS.search(name) else []
            found += [r for k in node.keywords if k.arg and PASSWORD_KEY.match(k.arg.replace("_hash", ""))
                      for r in _raw_in(fn, k.value)]
            return found
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Attribute) \
            and PASSWORD_KEY.match(node.targets[0].attr.replace("_hash", "")) and not fn.from_request(node.targets[0]):
        return _raw_in(fn, node.value)
    return []


def _looked_at(fn: RequestPasswords, node: ast.AST) -> int | None:
    """How ``node`` looks at a raw password: ``0`` for any check, the minimum when it compares its length with a
    number, ``None`` when it does not look at it."""
    if isinstance(node, ast.Compare):
        sides = [node.left, *node.comparators]
        lengths = [s for s in sides if isinstance(s, ast.Call) and au.dotted(s.func) == "len" and s.args
                   and fn.is_raw(s.args[0])]
        numbers = [s.value for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, int)]
        if lengths:
            return max(numbers) + (1 if isinstance(node.ops[0], ast.LtE | ast.Gt) else 0) if numbers else 0
    if isinstance(node, ast.Call):
        name = au.last(au.dotted(node.func))
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if receiver is not None and fn.is_raw(receiver) and name.startswith("is"):
            return 0  # ``pw.isalnum()``
        carried = [a for a in [*node.args, *(k.value for k in node.keywords)] if _raw_in(fn, a)
                   or _names(a) & (fn.request_names | fn.params)]
        if carried and _CHECKS.search(name) and not VERIFIES.search(name):
            return 0
    if isinstance(node, ast.comprehension) and fn.is_raw(node.iter):
        return 0  # ``any(c.isdigit() for c in pw)``
    return None


def _schema_of(fn: RequestPasswords, node: ast.AST, annotations: dict[str, str]) -> str:
    """The request schema class a raw password was read from (``body.password`` with ``body: UserCreate``), or
    ``""`` when it came from the request itself."""
    root = node
    while isinstance(root, ast.Attribute | ast.Subscript | ast.Call):
        root = root.func if isinstance(root, ast.Call) else root.value
    if isinstance(root, ast.Name):
        return annotations.get(root.id, "") or fn.origins.get(root.id, "")
    return ""


def _compared(fn: RequestPasswords, node: ast.AST) -> set[str]:
    """The raw passwords ``node`` compares with a stored one — ``user.password == hash(pw)``, ``filter(
    User.password == md5(pw))``, ``WHERE password = ?`` with it, ``filter_by(password=...)``: a sign-in that hashes
    the typed password to compare it, not a choice."""
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq | ast.NotEq):
        sides = [node.left, node.comparators[0]]
        stored = [x for x in sides if isinstance(x, ast.Attribute | ast.Subscript) and not fn.from_request(x)
                  and PASSWORD_KEY.match(au.field_read(x).replace("_hash", ""))]
        if stored:
            return {ast.unparse(r) for x in sides if x not in stored for r in _raw_in(fn, x)}
    if isinstance(node, ast.Call):
        name = au.last(au.dotted(node.func))
        query = fn.query(node) if name in SQL_RUNNERS else None
        text = ast.unparse(query) if query is not None else ""
        if re.search(r"(?is)\bSELECT\b.*\bWHERE\b.*pass", text) or (name in ("filter_by", "find_one", "get") and any(
                k.arg and PASSWORD_KEY.match(k.arg.replace("_hash", "")) for k in node.keywords)):
            return {ast.unparse(r) for a in [*node.args, *(k.value for k in node.keywords)] for r in _raw_in(fn, a)}
    return set()


def _decorator_names(fn_node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """The names a function's decorators call or pass (``falcon.before``, ``validate_user``), not their strings."""
    out = []
    for d in fn_node.decorator_list:
        call = d if isinstance(d, ast.Call) else None
        out.append(au.last(au.dotted(call.func if call else d)))
        out += [au.last(au.dotted(a)) for a in (call.args if call else []) if isinstance(a, ast.Name | ast.Attribute)]
    return out


def _schemas(fn_node: ast.FunctionDef | ast.AsyncFunctionDef, serializer: str) -> dict[str, str]:
    """The request schema each parameter of ``fn_node`` holds: its annotation (``body: UserCreate``), the schema a
    decorator loads the body with (``@body(UserSchema)``, ``@use_args(UserSchema())``), or, in a REST framework
    serializer's methods, the serializer itself (``validated_data``, ``attrs``)."""
    params = [a for a in [*fn_node.args.args, *fn_node.args.kwonlyargs] if a.arg not in ("self", "cls")]
    found = {a.arg: a.annotation.id for a in params
             if isinstance(a.annotation, ast.Name) and a.annotation.id[:1].isupper()}
    loaded = [au.last(au.dotted(arg.func if isinstance(arg, ast.Call) else arg)) for d in fn_node.decorator_list
              if isinstance(d, ast.Call) for arg in d.args if isinstance(arg, ast.Name | ast.Attribute | ast.Call)]
    schema = serializer or next((n for n in loaded if n.endswith(SCHEMA_SUFFIXES)), "")
    return found | {a.arg: schema for a in params if schema and a.arg not in found}


def _approves_everything(tree: ast.AST) -> frozenset[str]:
    """The module's functions and methods every ``return`` of which answers ``True`` (``def strong_password(self,
    pw): ... return True`` with the real test commented out): calling one to check a password checks nothing."""
    return frozenset(f.name for f in au.functions(tree) if (returns := [r for r in au.walk(f) if isinstance(
        r, ast.Return)]) and all(isinstance(r.value, ast.Constant) and r.value.value is True for r in returns))


def _accepts_any(fn_node: ast.FunctionDef | ast.AsyncFunctionDef, serializer: str = "",
                 classes: frozenset[str] = frozenset(), approves_all: frozenset[str] = frozenset(),
                 forms: frozenset[str] = frozenset()) -> tuple[int, int, str, int, str, tuple[str, ...]] | None:
    """Where ``fn_node`` keeps a password from the request without a check: (line, last line, the schema class it
    came through or ``""``, the minimum length it asks, 0 for none, the function it hands the password to or
    ``""``); None when it checks or keeps none."""
    fn = RequestPasswords(fn_node, classes=classes, forms=forms)
    annotations = _schemas(fn_node, serializer)
    # a validating decorator runs before the body (``@falcon.before(validate_user)``, ``@validate_password``)
    minimum: int | None = _MINIMUM if any(_CHECKS.search(name) for name in _decorator_names(fn_node)) else None
    only_length = minimum is None  # every check seen compares the password's length with a number
    verified: set[str] = set()
    helpers: set[str] = set()  # plain functions the password was handed to (``?name`` when named as a check)
    kept: tuple[int, int, str, set[str], str] | None = None
    for stmt in function_statements(fn_node):
        for node in own_nodes(stmt) + [c for c in au.walk(stmt) if isinstance(c, ast.comprehension)]:
            seen = _looked_at(fn, node)
            if isinstance(node, ast.Call) and au.last(au.dotted(node.func)) in approves_all:
                seen = None  # a check that answers True whatever it is given
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not VERIFIES.search(node.func.id)
                    and not _KEEPS.search(node.func.id) and any(_raw_in(fn, a) for a in node.args)):
                # a plain function handed the password (``check_registration(pw1, pw2)``): a check when its body
                # looks at it, whatever its name; one named as a check that is not the project's own may too
                helpers.add(("?" if seen == 0 else "") + node.func.id)
            if seen is not None and not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                minimum = max(minimum or 0, seen) if seen else _MINIMUM
                only_length = only_length and bool(seen)
            if isinstance(node, ast.Call) and VERIFIES.search(au.last(au.dotted(node.func))) and kept is None:
                # verified before it is kept: a sign-in (one that signs the new account in after keeping its
                # password is still a sign-up)
                verified |= {ast.unparse(r) for a in node.args for r in _raw_in(fn, a)}
            verified |= _compared(fn, node)
            raws = _kept(fn, node) if kept is None else []
            if raws and isinstance(node, ast.stmt | ast.expr):
                callee = au.last(au.dotted(node.func)) if isinstance(node, ast.Call) else ""
                kept = (node.lineno, getattr(node, "end_lineno", None) or node.lineno,
                        next((s for r in raws if (s := _schema_of(fn, r, annotations))), ""),
                        {ast.unparse(r) for r in raws}, callee)
        if isinstance(stmt, ast.Assign) and (raws := _kept(fn, stmt)) and kept is None:
            kept = (stmt.lineno, stmt.end_lineno or stmt.lineno, _schema_of(fn, raws[0], annotations),
                    {ast.unparse(r) for r in raws}, "")
        if isinstance(stmt, ast.Assign | ast.AnnAssign):
            value = stmt.value
            origin = (fn.bound_schema(value) or _schema_of(fn, value, annotations)) if value is not None else ""
            fn.learn(stmt)
            for name in au.target_names(stmt):
                if origin and (name in fn.raw or name in fn.request_names):
                    fn.origins[name] = origin  # ``data = body.model_dump()``: still the schema's values
    if kept is None or (kept[3] and kept[3] <= verified):
        return None
    if minimum is not None and minimum >= _MINIMUM and not (only_length and kept[4] in DJANGO_ACCOUNT_CALLS):
        return None
    if _signs_in_by_query(fn_node):
        return None  # ``hashed = md5(pw)`` only to select the account by it: a sign-in keeps no password
    return kept[0], kept[1], kept[2], minimum or 0, kept[4], tuple(sorted(helpers))


#: Django's calls that keep a password outside its forms, where ``AUTH_PASSWORD_VALIDATORS`` do not run
DJANGO_ACCOUNT_CALLS = frozenset({"set_password", "create_user", "create_superuser"})
#: an account written with its password: a row inserted or updated, an object added, saved or created
_STORES = re.compile(r"\.(?:add|add_all|save|commit|create\w*|insert\w*|set_password|update)\(", re.IGNORECASE)


def _signs_in_by_query(fn_node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The function selects the account by its password column (``SELECT … WHERE username = '…' AND password =
    '<hash>'``, in a literal or built by concatenation) and stores nothing: it checks a password, it keeps none."""
    text = ast.unparse(fn_node)
    return bool(SQL_SIGN_IN.search(text) and not SQL_WRITE.search(text) and not _STORES.search(text))


def _stated_minimum(text: str) -> int:
    """The smallest minimum length ``text`` states (0 when it states none)."""
    found = [int(n) for m in _STATED_MINIMUM.finditer(text) for n in m.groups() if n]
    return min(found) if found else 0


def _schema_fields(ctx: ModuleContext) -> dict[str, tuple[int, list[str]]]:
    """The module's classes: class name -> (what its password field asks: ``-1`` a validator or a constraint of
    another kind, ``N`` a minimum of N characters only, ``0`` nothing, ``-2`` no password field of its own; the base
    classes' names)."""
    found: dict[str, tuple[int, list[str]]] = {}
    for cls in au.nodes_of(ctx.tree, ast.ClassDef):
        assert isinstance(cls, ast.ClassDef)
        bases = [au.last(au.dotted(b)) for b in cls.bases]
        fields = [s for s in cls.body if isinstance(s, ast.AnnAssign | ast.Assign) and any(
            PASSWORD_KEY.match(t) for t in au.target_names(s))]
        meta = " ".join(ast.unparse(s) for s in au.walk(cls) if isinstance(s, ast.Assign)
                        and "extra_kwargs" in au.target_names(s))
        methods = [m for m in cls.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)]
        # a validator method for the field (pydantic, marshmallow), a REST framework ``validate_password`` or a
        # ``validate()`` that calls a password validator or measures the password
        validators = [m for m in methods if any(re.search(r"(?i)valid", ast.unparse(d)) for d in m.decorator_list)
                      or PASSWORD_KEY.match(m.name.removeprefix("validate_")) or (m.name == "validate" and re.search(
                          r"validate_password|len\(\w*\[?['\"]?\w*pass", ast.unparse(m)))]
        text = " ".join(ast.unparse(s) for s in fields) + meta
        minimum = _stated_minimum(text)
        other = re.search(r"constr|validat|regex|pattern|Strong|Password\w*Str", text) or validators
        state = -1 if other else minimum if minimum else 0 if fields or "password" in meta else -2
        found[cls.name] = (state, bases)
    return found


@rule(WEAK_POLICY)
def collect_password_choices(ctx: ModuleContext) -> Iterator[Finding]:
    """AS610, module part: the functions that keep a request's password unchecked, and the module's request
    schemas with a password field, left in the facts for the project check."""
    if is_test_code(ctx.path) or is_sample_code(ctx.path):
        return
    ctx.facts["password_schemas"] = _schema_fields(ctx)  # every module: a schema's base may mention no password
    if not au.mentions(ctx, ("pass", "pwd")):
        return
    choices = []
    classes = module_classes(ctx.tree)
    approves_all = _approves_everything(ctx.tree)
    forms = request_bound_forms(ctx)
    serializers = {id(m): cls.name for cls in au.nodes_of(ctx.tree, ast.ClassDef) if isinstance(cls, ast.ClassDef)
                   and any(au.last(au.dotted(b)).endswith("Serializer") for b in cls.bases) for m in cls.body}
    for fn_node in au.nodes_of_any(ctx.tree, ast.FunctionDef, ast.AsyncFunctionDef):
        assert isinstance(fn_node, ast.FunctionDef | ast.AsyncFunctionDef)
        hit = _accepts_any(fn_node, serializers.get(id(fn_node), ""), classes, approves_all, forms)
        if hit is not None:
            choices.append((*hit, fn_node.name))
    ctx.facts["password_choices"] = choices
    ctx.facts["password_lookers"] = _password_lookers(ctx.tree)
    yield from ()


def _password_lookers(tree: ast.AST) -> dict[str, bool]:
    """Per function of the module that takes a password-named parameter: whether it looks at one (its length, its
    characters, a pattern, a call named as a check) — ``check_registration(pw1, pw2)`` that only compares the two
    entries looks at neither."""
    out: dict[str, bool] = {}
    for fn_node in au.functions(tree):
        names = {a.arg for a in [*fn_node.args.posonlyargs, *fn_node.args.args, *fn_node.args.kwonlyargs]
                 if PASSWORD_KEY.match(a.arg)}
        if not names:
            continue
        fn = RequestPasswords(fn_node)
        fn.raw |= names
        looks = any(_looked_at(fn, node) is not None for node in au.walk(fn_node))
        out[fn_node.name] = out.get(fn_node.name, False) or looks
    return out


def _schema_asks(name: str, schemas: dict[str, tuple[int, list[str]]], depth: int = 0) -> int | None:
    """The minimum length the request schema ``name`` asks of its password field (0 for none); None when it
    checks the field otherwise, declares none, or is not a validating schema found in the project."""
    if name not in schemas or depth > 5:
        return None
    state, bases = schemas[name]
    if not _validates(name, schemas):
        return None
    if state == -2:
        asked = [a for b in bases if (a := _schema_asks(b, schemas, depth + 1)) is not None]
        return min(asked) if asked else None
    return None if state == -1 else state


def _validates(name: str, schemas: dict[str, tuple[int, list[str]]], depth: int = 0) -> bool:
    """``name`` is a request schema: it or a base is a validating class (pydantic, marshmallow, a REST framework
    serializer, a form); a dataclass or a domain object carrying a password is not judged."""
    bases = schemas[name][1] if name in schemas else []
    return depth < 6 and any(b in _VALIDATING_BASES or _validates(b, schemas, depth + 1) for b in bases)


@rule(WEAK_POLICY, scope="project")
def check_password_choices(project: ProjectContext) -> Iterator[Finding]:
    """AS610 — a sign-up, reset or change that keeps the request's password with no check of its length or content
    (or a minimum under eight characters); a password that came through a request schema only when that schema's
    field is unconstrained."""
    schemas: dict[str, tuple[int, list[str]]] = {}
    for module in project.modules:
        for name, info in module.facts.get("password_schemas", {}).items():
            schemas.setdefault(name, info)
    choices = [(module, *choice) for module in project.modules for choice in module.facts.get("password_choices", ())]
    # a route that hands the password to a function of the project's own which keeps it unchecked too is reported
    # there, once (the sign-up's service, its repository)
    keepers = {choice[-1] for choice in choices}
    # the project's functions that take a password, and whether each looks at it: a check by a helper counts only
    # when the helper is the project's own and looks at nothing (one not found may check, as a library's would)
    lookers: dict[str, bool] = {}
    for module in project.modules:
        for name, looks in module.facts.get("password_lookers", {}).items():
            lookers[name] = lookers.get(name, False) or looks
    reported_schemas: set[str] = set()
    django = any("django.contrib.auth" in m.source or "from django" in m.source for m in project.modules)
    for module, line, end, schema, minimum, callee, helpers, _name in choices:
        asked = _schema_asks(schema, schemas) if schema else minimum
        # Django's validators (the common-password check among them) run only in its forms and validate_password():
        # a view that measures the length and calls set_password() keeps anything long enough
        bypassed = django and not schema and callee in DJANGO_ACCOUNT_CALLS and asked is not None and asked >= _MINIMUM
        if asked is None or (asked >= _MINIMUM and not bypassed) or (callee and callee in keepers) or (
                schema and schema in reported_schemas) or any(
                    lookers.get(h[1:], True) if h.startswith("?") else lookers.get(h, False) for h in helpers):
            continue
        reported_schemas.add(schema)
        minimum = max(minimum, asked)
        where = f" (in its schema {schema})" if schema else ""
        how = (f"checks only its length ({minimum} characters) and hands it to {callee}(), where Django's "
               "AUTH_PASSWORD_VALIDATORS do not run: users may pick 'password1'" if bypassed else
               f"asks only {minimum} characters{where}: users may pick short or common passwords" if minimum else
               f"checks neither its length nor its content{where}: users may pick '1' or 'password'")
        yield at(WEAK_POLICY, module.path, module.lines, line, f"the password the client chose is kept here, and the "
                 f"code {how} (NIST SP 800-63B asks for 8 characters and a check against common ones)", end_line=end)


__all__ = ["check_password_choices", "collect_password_choices"]
