"""AS611: an account seeded with a password written in the source.

An application that creates its first administrator (or demo users) with a fixed password ships that password to
everyone who has the code, and attackers try the usual ones (``admin``/``admin``, ``password123``) first. What proves
a seeded account is a fixed password handed to the code that makes one:

* a password-hashing or -setting call given a literal — ``generate_password_hash("admin")``, ``make_password(…)``,
  ``user.set_password("admin")``, ``bcrypt.hashpw(b"secret", …)``, ``pwd_context.hash("admin123")``;
* an INSERT that writes a literal into the password column (``VALUES (1, 'admin', 'admin123', 'admin')``; AS608
  reports the same statement for the plain-text store);
* a login that compares the password the request typed with a literal (``if password == 'admin123':``,
  ``hmac.compare_digest(form.password.data, "s3cret")``): the account's password is that literal, in the code.

A literal hashed to compare against when no account matches (a dummy hash that keeps a login's timing even) creates no
account: a value or a target named ``dummy``, ``fake``, ``timing`` … is left alone, and so are unusable markers and
placeholders. Test code, fixtures and examples are skipped; accounts only a developer makes (a command-line command,
a script block, a function named for sample or demo data, a command whose help or docstring says it makes test or
sample data, a module drawing fake data with Faker) are low. Literals
assigned to a password-named setting (``ADMIN_PASSWORD = 'x'``) and ``password='x'`` keywords are AS603's.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules import _secret_values as sv
from apishield.audit.rules.base import at_node, imports, is_sample_code
from apishield.audit.rules.passwords import RequestPasswords, function_statements, insert_literal, own_nodes
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.audit.taint.catalogue import SQL_RUNNERS
from apishield.findings import Confidence, Finding, Rule, Severity

SEEDED_ACCOUNT = Rule(
    id="AS611",
    title="Account seeded with a hard-coded password",
    cwe=(798, 259, 1392),
    owasp="API2:2023",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    description="An account the code creates with a fixed password can be signed in to by anyone who has read the "
    "code, and usual default passwords are the first an attacker tries.",
    fix="Create the first administrator from a command that asks for the password (or reads it once from the "
    "environment) and refuse to start with a default; apishield's Task API: `python -m taskapi.manage make-admin`.",
)

#: calls that hash or set a password: the literal they are given becomes an account's password
_HASHERS = frozenset({"generate_password_hash", "make_password", "set_password", "hash_password", "get_password_hash",
                      "hashpw", "create_password_hash", "hash_pw", "encrypt_password"})
#: ``.hash(…)`` on a password context or hasher (passlib's ``CryptContext``, argon2's ``PasswordHasher``)
_HASHER_OBJECT = re.compile(r"(?i)(pwd|pass|crypt|hasher|argon|bcrypt|context|^ph$)")
#: a literal hashed only to spend the time of a check (no account is made with it)
_NOT_AN_ACCOUNT = re.compile(r"(?i)dummy|fake|timing|decoy|placeholder|unusable|nonexist|invalid|not[_ -]?a[_ -]?real")
#: a function that makes sample data for a developer (``create_sample_data``, ``fake_users``, ``load_demo``)
_SAMPLE_DATA = re.compile(r"(?i)sample|fake|mock|dummy|demo|example|fixture|test")
_HINTS = ("password_hash", "make_password", "set_password", "hashpw", ".hash(", "insert", "hash_password")


def _hashed_literal(call: ast.Call, name: str) -> str | None:
    """The literal password a hashing/setting call is given, if any."""
    last = au.last(name)
    if last not in _HASHERS and not (last == "hash" and _HASHER_OBJECT.search(au.last(name.rsplit(".", 1)[0]))):
        return None
    value = call.args[0] if call.args else au.kwarg(call, "password")
    literal = au.const(value, None)
    if isinstance(literal, bytes):
        literal = literal.decode("latin-1")
    if not isinstance(literal, str) or len(literal.strip()) < 3 or literal.startswith("!"):
        return None  # empty, a placeholder, or Django's unusable marker
    return literal


def _dummy(call: ast.Call, parents: dict[int, ast.AST], literal: str, tree: ast.AST) -> bool:
    """The hash is a timing decoy or a placeholder, not an account's password: named so, or kept in a name the module
    only ever hands to a password check as the stored hash (``checkpw(typed, DECOY)`` for an unknown user, so that a
    wrong name takes as long as a wrong password) and never stores."""
    if _NOT_AN_ACCOUNT.search(literal):
        return True
    parent = parents.get(id(call))
    targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target] if isinstance(
        parent, ast.AnnAssign) else []
    fn = au.enclosing_function(parents, call)
    names = [au.last(au.dotted(t)) for t in targets] + ([fn.name] if fn is not None else [])
    if any(_NOT_AN_ACCOUNT.search(n or "") for n in names):
        return True
    held = [t.id for t in targets if isinstance(t, ast.Name)]
    return bool(held) and all(_only_checked_against(tree, parents, name) for name in held)


#: password checks that take a stored hash to compare the typed password with
_CHECKS = frozenset({"checkpw", "verify", "check_password_hash", "verify_password", "check_password"})


def _only_checked_against(tree: ast.AST, parents: dict[int, ast.AST], name: str) -> bool:
    """Every read of ``name`` in the module is an argument of a password check: the hash is compared with, never
    stored as, an account's password."""
    reads = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
    for read in reads:
        call = parents.get(id(read))
        if not (isinstance(call, ast.Call) and read in call.args and au.last(au.dotted(call.func)) in _CHECKS):
            return False
    return bool(reads)


def _developer_data(ctx: ModuleContext, parents: dict[int, ast.AST], node: ast.AST) -> dict[str, Severity]:
    """``{"severity": LOW}`` where only a developer makes the account: a command or script block, a function named
    for sample data (or any function of a module that draws fake data with Faker); else ``{}``."""
    fn = au.enclosing_function(parents, node)
    names = []
    while fn is not None:
        names.append(fn.name)
        fn = au.enclosing_function(parents, fn)
    if (names and au.mentions(ctx, ("faker",))) or any(_SAMPLE_DATA.search(n) for n in names) or _sample_command(
            parents, node):
        return {"severity": Severity.LOW}
    return sv.developer_only(ctx.tree, node)


def _sample_command(parents: dict[int, ast.AST], node: ast.AST) -> bool:
    """The account is made by a command whose own description says it makes test or sample data (a Django management
    command ``help = "Generate 25 random items ... for testing"``, or the class's docstring)."""
    cur = parents.get(id(node))
    while cur is not None and not isinstance(cur, ast.ClassDef):
        cur = parents.get(id(cur))
    if cur is None:
        return False
    texts = [ast.get_docstring(cur) or ""] + [
        au.str_const(stmt.value) or "" for stmt in cur.body
        if isinstance(stmt, ast.Assign) and any(au.last(au.dotted(t)) == "help" for t in stmt.targets)]
    return any(_SAMPLE_DATA.search(text) for text in texts)


@rule(SEEDED_ACCOUNT)
def check_seeded_account(ctx: ModuleContext) -> Iterator[Finding]:
    """AS611 — a literal password given to a hashing/setting call (``generate_password_hash``, ``make_password``,
    ``set_password``, ``bcrypt.hashpw``, a password context's ``.hash``) or written by an INSERT into a password
    column; timing decoys, placeholders and test code are skipped."""
    if is_sample_code(ctx.path) or not au.mentions(ctx, _HINTS):
        return
    imp = imports(ctx)
    parents = au.parent_map(ctx.tree)
    for call in au.calls(ctx.tree):
        name = au.call_name(call, imp) or au.dotted(call.func)
        literal = _hashed_literal(call, name)
        if literal is not None and not _dummy(call, parents, literal, ctx.tree):
            yield at_node(SEEDED_ACCOUNT, ctx, call, f"{au.last(name)}() is given a fixed password ({len(literal)} "
                          "characters): an account made with it opens to anyone who has the code",
                          **_developer_data(ctx, parents, call))
        elif au.last(au.dotted(call.func)) in SQL_RUNNERS and call.args:
            sql = au.const(call.args[0], None)
            seeded = insert_literal(sql, call.args[1] if len(call.args) > 1 else None) if isinstance(
                sql, str) else None
            if seeded is not None and not _NOT_AN_ACCOUNT.search(seeded):
                yield at_node(SEEDED_ACCOUNT, ctx, call, "an INSERT seeds an account with a fixed password "
                              f"({len(seeded)} characters)", **_developer_data(ctx, parents, call))


def _typed_against_literal(fn: RequestPasswords, node: ast.AST) -> tuple[ast.AST, str] | None:
    """``node`` compares the request's typed password with a literal (``==``/``!=``, ``compare_digest``)."""
    pairs: list[tuple[ast.AST, ast.AST]] = []
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
        pairs = [(node.left, node.comparators[0]), (node.comparators[0], node.left)]
    elif isinstance(node, ast.Call) and au.last(au.dotted(node.func)) == "compare_digest" and len(node.args) == 2:
        pairs = [(node.args[0], node.args[1]), (node.args[1], node.args[0])]
    for typed, other in pairs:
        literal = au.const(other, None)
        if isinstance(literal, bytes):
            literal = literal.decode("latin-1")
        if isinstance(literal, str) and len(literal.strip()) >= 3 and not _NOT_AN_ACCOUNT.search(literal) \
                and fn.is_raw(typed):
            return node, literal
    return None


@rule(SEEDED_ACCOUNT)
def check_login_against_a_literal(ctx: ModuleContext) -> Iterator[Finding]:
    """AS611 — a function compares the password the request typed with a literal: the account it opens has a
    password written in the source; test and sample code skipped."""
    if is_sample_code(ctx.path) or not au.mentions(ctx, ("password", "passwd", "pwd")):
        return
    parents = au.parent_map(ctx.tree)
    for fn_node in au.nodes_of_any(ctx.tree, ast.FunctionDef, ast.AsyncFunctionDef):
        assert isinstance(fn_node, (ast.FunctionDef, ast.AsyncFunctionDef))
        fn = RequestPasswords(fn_node)
        for stmt in function_statements(fn_node):
            hit = next((h for n in own_nodes(stmt) if (h := _typed_against_literal(fn, n)) is not None), None)
            if hit is not None:
                yield at_node(SEEDED_ACCOUNT, ctx, hit[0], f"the login accepts a fixed password written in the source "
                              f"({len(hit[1])} characters): anyone who has the code signs in with it",
                              **_developer_data(ctx, parents, hit[0]))
                break
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                fn.learn(stmt)
