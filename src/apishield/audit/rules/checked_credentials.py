"""Credentials checked against literals (AS603): the secret a check accepts is written in the check.

``if password == 'hunter22':`` puts a password in the source; ``if request.headers.get('X-API-Key') not in
['admin_key_123', 'user_key_456']:`` does the same for API keys, and with them every copy of the repository opens
the API. Only a value the client sends is read for the second form (a header, a query or form field, a cookie): a
configuration value compared with a placeholder (``if settings.API_KEY == 'changeme': raise``) is a guard against
a missing secret, not a credential.

A literal whose branch replaces the compared value is a sentinel, not a password: ``if not password or 'generated'
== password: password = random_string()`` asks for a generated one.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules.base import at_node, is_sample_code
from apishield.audit.rules.client_privilege import client_value
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.audit.rules.secrets import CREDENTIALS
from apishield.findings import Finding

_PASSWORD_VALUE = re.compile(r"^(password|passwd|pwd|passphrase|pass)$", re.IGNORECASE)
#: names of a credential a client presents (``X-API-Key``, ``api_key``, ``token``, ``X-Auth-Token``)
_CLIENT_CREDENTIAL = re.compile(r"(?i)^(?:x[-_])?(?:api[-_]?key|apikey|access[-_]?key|auth[-_]?token|access[-_]?token|"
                                r"token|secret|key|password|passwd|pwd)$")
_HINTS = ("passw", "pwd", "passphrase", "key", "token", "secret")


def _literal(node: ast.AST) -> str | None:
    """A credential-like string literal: at least 4 characters, no spaces, not a field word."""
    value = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
    if value is None or len(value) < 4 or " " in value or value.lower() in {"password", "none", "null", "undefined"}:
        return None
    return value


def _literals(node: ast.AST) -> list[str]:
    """The literals of ``'k'`` or of a list, tuple or set of them (every element must be one)."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        values = [_literal(e) for e in node.elts]
        return [v for v in values if v is not None] if node.elts and all(values) else []
    one = _literal(node)
    return [one] if one is not None else []


def _sentinel_tests(tree: ast.AST) -> set[int]:
    """Comparisons in an ``if`` test whose body assigns the very name compared (the literal asks for a value to be
    made: ``if password == 'generated': password = random_string()``)."""
    out: set[int] = set()
    for branch in au.nodes_of(tree, ast.If):
        assigned = {t.id for s in branch.body for t in au.walk(s) if isinstance(t, ast.Name)
                    and isinstance(t.ctx, ast.Store)}
        out.update(id(c) for c in au.walk(branch.test) if isinstance(c, ast.Compare)
                   and any(isinstance(side, ast.Name) and side.id in assigned for side in (c.left, *c.comparators)))
    return out


@rule(CREDENTIALS)
def check_credentials_compared_with_literals(ctx: ModuleContext) -> Iterator[Finding]:
    """AS603 — a password compared with a literal (``password == 'hunter22'``), and a credential the client sends
    (a header, query or form field named for an API key, token or password) compared with or looked up in
    literals (``not in ['key1', 'key2']``), outside sample code."""
    if is_sample_code(ctx.path) or not au.mentions(ctx, _HINTS):
        return
    sentinels = _sentinel_tests(ctx.tree)
    for node in au.nodes_of(ctx.tree, ast.Compare):
        if len(node.ops) != 1 or id(node) in sentinels:
            continue
        op, left, right = node.ops[0], node.left, node.comparators[0]
        pairs: tuple[tuple[ast.expr, ast.expr], ...]
        if isinstance(op, (ast.Eq, ast.NotEq)):
            pairs = ((left, right), (right, left))
        elif isinstance(op, (ast.In, ast.NotIn)):
            pairs = ((left, right),)
        else:
            continue
        for side, other in pairs:
            sent = client_value(side)
            if sent is not None and _CLIENT_CREDENTIAL.match(sent[1]) and (accepted := _literals(other)):
                yield at_node(CREDENTIALS, ctx, node, f"the client's {sent[0]} {sent[1]!r} is checked against "
                              f"{len(accepted)} literal value(s): the credentials are in the source")
                break
            key = au.subscript_key(side) if isinstance(side, ast.Subscript) else au.last(au.dotted(side))
            if (isinstance(op, (ast.Eq, ast.NotEq)) and isinstance(key, str) and _PASSWORD_VALUE.match(key)
                    and _literal(other)):
                yield at_node(CREDENTIALS, ctx, node, f"{key} is checked against a literal: the password is in "
                              "the source")
                break


__all__ = ["check_credentials_compared_with_literals"]
