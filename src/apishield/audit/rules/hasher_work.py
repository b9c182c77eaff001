"""AS604 for the work factor: a password hasher set to too little work.

A slow password hash is slow only at the work it is given. Django's hashers take theirs from a class attribute, so
a project that subclasses ``PBKDF2PasswordHasher`` with ``iterations = 1000`` (or ``BCryptSHA256PasswordHasher``
with ``rounds = 4``) and lists it in ``PASSWORD_HASHERS`` stores hashes a leaked database gives up to a word list in
minutes; so does ``hashlib.pbkdf2_hmac`` called on a password with a few thousand iterations. OWASP's password
storage guidance asks for 600,000 PBKDF2-HMAC-SHA256 iterations and a bcrypt cost of 10 or more; anything under a
tenth of that guidance (or under cost 10) is reported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules.base import at_node, is_test_code
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.audit.rules.secrets import WEAK_HASH
from apishield.findings import Finding

#: the fewest PBKDF2 iterations not reported: a tenth of OWASP's 600,000 for SHA-256
_MIN_ITERATIONS = 60_000
#: the lowest bcrypt cost (log2 rounds) not reported
_MIN_ROUNDS = 10
_HASHER_BASES = ("PasswordHasher",)


def _too_little(attr: str, value: object) -> str:
    if not isinstance(value, int) or isinstance(value, bool):
        return ""
    if attr == "iterations" and value < _MIN_ITERATIONS:
        return f"{value:,} PBKDF2 iterations (OWASP asks 600,000 for SHA-256)"
    if attr == "rounds" and value < _MIN_ROUNDS:
        return f"a bcrypt cost of {value} (10 or more is the usual floor)"
    return ""


@rule(WEAK_HASH)
def check_hasher_work(ctx: ModuleContext) -> Iterator[Finding]:
    """AS604 — a Django password hasher subclass setting ``iterations``/``rounds`` below the floor, and
    ``hashlib.pbkdf2_hmac`` of a password with a literal iteration count below it."""
    if is_test_code(ctx.path) or not au.mentions(ctx, ("iterations", "rounds", "pbkdf2_hmac")):
        return
    for cls in au.nodes_of(ctx.tree, ast.ClassDef):
        if not any(au.last(au.dotted(b)).endswith(_HASHER_BASES) for b in cls.bases):
            continue
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign):
                for attr in au.target_names(stmt):
                    if weak := _too_little(attr, au.const(stmt.value, None)):
                        yield at_node(WEAK_HASH, ctx, stmt, f"{cls.name} hashes passwords with {weak}: a leaked "
                                      "hash falls to a word list quickly")
    for call in au.calls(ctx.tree):
        if au.last(au.dotted(call.func)) != "pbkdf2_hmac" or len(call.args) < 4:
            continue
        secret = ast.unparse(call.args[1]).lower()
        if ("pass" in secret or "pwd" in secret) and (weak := _too_little("iterations", au.const(call.args[3], None))):
            yield at_node(WEAK_HASH, ctx, call, f"password hashed with {weak}: a leaked hash falls to a word list "
                          "quickly")


__all__ = ["check_hasher_work"]
