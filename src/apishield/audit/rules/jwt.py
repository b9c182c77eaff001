"""JWT verification: AS701 (signature not verified) and AS702 (``none`` allowed / algorithms not pinned)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.frameworks.guards import raises_or_aborts
from apishield.audit.rules.base import at_node, imports
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

UNVERIFIED = Rule(
    id="AS701",
    title="JWT signature not verified",
    cwe=(347, 345, 287),
    owasp="API2:2023",
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    description="Claims of an unverified token are attacker-controlled: anyone can be anyone.",
    fix="Verify with a pinned algorithm and key: `jwt.decode(token, key, algorithms=['HS256'])` (PyJWT) or "
    "apishield `JWTAuth(key, algorithm='EdDSA')` (algorithm pinned per key); read unverified headers only "
    "to pick a key id.",
)
ALG_NONE = Rule(
    id="AS702",
    title="JWT algorithm 'none' allowed or algorithms not pinned",
    cwe=(327, 347, 757),
    owasp="API2:2023",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    description="Accepting 'none' or the token's own 'alg' lets attackers strip or swap the signature.",
    fix="Pass a fixed allow-list: `jwt.decode(token, key, algorithms=['RS256'])`; never `'none'`, never "
    "`algorithms=[header['alg']]`. apishield pins algorithms per key.",
)


def _is_jwt(name: str) -> bool:
    lower = name.lower()
    return "jwt" in lower or "jose" in lower or "jws" in lower


def _resolved(node: ast.AST | None, assigned: dict[str, ast.AST]) -> ast.AST | None:
    if isinstance(node, ast.Name) and node.id in assigned:
        return assigned[node.id]
    return node


_HINT_CHECK_UNVERIFIED = ("jwt", "jose", "jws")
_HINT_CHECK_ALG_NONE = ("jwt", "jose", "jws")


@rule(UNVERIFIED)
def check_unverified(ctx: ModuleContext) -> Iterator[Finding]:
    """AS701 — ``jwt.decode(..., options={'verify_signature': False})`` (literal or a variable holding it),
    PyJWT 1 ``verify=False``, python-jose ``jwt.get_unverified_claims(token)``, ``jwt.decode(token, None)``, and a
    token's payload split on '.' and base64-decoded by hand in a function that checks no signature."""
    if not au.mentions(ctx, _HINT_CHECK_UNVERIFIED):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    parents: dict[int, ast.AST] | None = None
    assigned: dict[str, ast.AST] = {}
    for node in au.nodes_of_any(ctx.tree, ast.Assign):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = node.value
    for call in au.calls(ctx.tree):
        name = au.call_name(call, imp)
        if not _is_jwt(name):
            continue
        tail = au.last(name)
        if tail in {"get_unverified_claims", "unverified_claims"}:
            yield at_node(UNVERIFIED, ctx, call, f"{tail}() reads claims without checking the signature")
        elif tail == "decode":
            if _signature_off(call, assigned):
                token = au.arg(call, 0, "jwt") or au.kwarg(call, "token")
                parents = parents or au.parent_map(ctx.tree)
                if _while_refusing(parents, call) or _verified_after(parents, call, token, imp, assigned):
                    continue
                id_token = token is not None and _ID_TOKEN.search(ast.unparse(token)) is not None
                yield at_node(UNVERIFIED, ctx, call, "jwt.decode() with verify_signature False" + (
                    " on an OpenID Connect ID token: acceptable only for one received straight from the provider's "
                    "token endpoint over TLS (OIDC Core 3.1.3.7)" if id_token else ""),
                    **({"severity": Severity.LOW} if id_token else {}))
            elif au.is_false(au.kwarg(call, "verify")):
                yield at_node(UNVERIFIED, ctx, call, "jwt.decode(verify=False) skips the signature check")
            elif len(call.args) >= 2 and isinstance(call.args[1], ast.Constant) and call.args[1].value is None:
                yield at_node(UNVERIFIED, ctx, call, "jwt.decode() with no key", confidence=Confidence.MEDIUM)
    yield from _hand_decoded(ctx)


def _signature_off(call: ast.Call, assigned: dict[str, ast.AST]) -> bool:
    """``options={"verify_signature": False}`` given to a decode, literally or through a name holding it."""
    options = au.const(_resolved(au.kwarg(call, "options"), assigned), None)
    return isinstance(options, dict) and options.get("verify_signature") is False


def _while_refusing(parents: dict[int, ast.AST], call: ast.Call) -> bool:
    """The unverified decode runs in an ``except`` handler that raises again: the request is being refused, and
    the claims read there (the token's age, for a log line) decide nothing."""
    node: ast.AST | None = call
    while node is not None and not isinstance(node, (ast.ExceptHandler, ast.FunctionDef, ast.AsyncFunctionDef)):
        node = parents.get(id(node))
    return isinstance(node, ast.ExceptHandler) and any(isinstance(s, ast.Raise) for s in node.body)


def _verified_after(parents: dict[int, ast.AST], call: ast.Call, token: ast.AST | None, imp: au.Imports,
                    assigned: dict[str, ast.AST]) -> bool:
    """The same function decodes the same token again with its signature checked (a key and no option turning the
    check off): the unverified read only picked the issuer or the key (``iss``, ``kid``) to verify it with."""
    fn = au.enclosing_function(parents, call)
    if fn is None or token is None:
        return False
    stmt: ast.AST = call
    while not isinstance(stmt, ast.stmt) and id(stmt) in parents:
        stmt = parents[id(stmt)]
    holder = parents.get(id(stmt))
    later = next((body[body.index(stmt) + 1:] for _, body in ast.iter_fields(holder) if isinstance(body, list)
                  and stmt in body), []) if holder is not None and not isinstance(stmt, ast.Return) else []
    text = ast.unparse(token)
    # only a decode the path goes on to (a later statement of the same block), not one of another branch
    for other in (c for s in later for c in au.calls(s)):
        if other is call or au.last(au.call_name(other, imp)) != "decode" or not _is_jwt(au.call_name(other, imp)):
            continue
        first = au.arg(other, 0, "jwt") or au.kwarg(other, "token")
        keyed = len(other.args) >= 2 or au.kwarg(other, "key") is not None
        if first is not None and ast.unparse(first) == text and keyed and not _signature_off(other, assigned) \
                and not au.is_false(au.kwarg(other, "verify")):
            return True
    return False


#: an OpenID Connect ID token (``tokens.id_token``, ``self.id_token``)
_ID_TOKEN = re.compile(r"(?:^|[._\[\'\"])id_?token\b", re.IGNORECASE)
_B64 = frozenset({"b64decode", "urlsafe_b64decode", "base64url_decode"})
_SIGNATURE_CHECKS = ("hmac", "compare_digest", "verify", "signature", "jwt.decode", "jws.", "sign(")


def _hand_decoded(ctx: ModuleContext) -> Iterator[Finding]:
    """A token split on '.' whose payload segment is base64-decoded by hand, in a function that never checks a
    signature: its claims are whatever the client wrote."""
    if not au.mentions(ctx, ("b64decode", "base64url_decode")):  # cheap pre-filter: nothing decodes base64
        return
    for fn in au.nodes_of_any(ctx.tree, ast.FunctionDef, ast.AsyncFunctionDef):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        splits = [n.func.value for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                  and n.func.attr in {"split", "rsplit"} and au.const(au.arg(n, 0), None) == "."]
        if not splits:
            continue
        decode = next((n for n in ast.walk(fn) if isinstance(n, ast.Call) and au.last(au.dotted(n.func)) in _B64), None)
        if decode is None:
            continue
        text = ast.unparse(fn)
        if not _is_jwt(fn.name + " " + " ".join(ast.unparse(s) for s in splits)) or any(
                k in text.lower() for k in _SIGNATURE_CHECKS):
            continue
        yield at_node(UNVERIFIED, ctx, decode, "JWT payload base64-decoded by hand: the signature is never checked",
                      confidence=Confidence.MEDIUM)


def _reads_alg(node: ast.AST) -> bool:
    """``header['alg']`` or ``header.get('alg')``."""
    if isinstance(node, ast.Subscript):
        return bool(au.const(node.slice) == "alg")
    return isinstance(node, ast.Call) and au.last(au.dotted(node.func)) == "get" and au.const(au.arg(node, 0)) == "alg"


def _tests_alg_none(test: ast.expr) -> bool:
    """``header['alg'] == 'none'`` (or ``in ('none', 'None')``, either side, lower or upper case)."""
    for compare in au.nodes_of(test, ast.Compare):
        if len(compare.ops) != 1 or not isinstance(compare.ops[0], (ast.Eq, ast.In)):
            continue
        sides = (compare.left, compare.comparators[0])
        values = [au.const(side, None) for side in sides]
        says_none = any(str(v).lower() == "none" or (isinstance(v, (list, tuple, set)) and any(
            str(e).lower() == "none" for e in v)) for v in values if v is not None)
        if says_none and any(_reads_alg(side) for side in sides):
            return True
    return False


def _refuses(body: list[ast.stmt]) -> bool:
    """The branch ends the request with a refusal: a raise, an ``abort``, ``return None/False`` or an answer with a
    4xx status."""
    last = body[-1] if body else None
    if raises_or_aborts(last):
        return True
    if not isinstance(last, ast.Return):
        return False
    if last.value is None or au.const(last.value, "") in (None, False):
        return True
    return any(isinstance(n, ast.Constant) and isinstance(n.value, int) and not isinstance(n.value, bool)
               and 400 <= n.value < 500 for n in au.walk(last.value))


@rule(ALG_NONE)
def check_alg_none(ctx: ModuleContext) -> Iterator[Finding]:
    """AS702 — ``algorithms=['none']`` (or containing 'none'), ``algorithm='none'`` when signing, a hand-written
    branch that takes a token whose header says ``alg: none`` and does not refuse it,
    ``algorithms`` taken from the token's header, and ``jwt.decode`` without ``algorithms=`` (key and token
    given, signature checked) which older libraries treat as "any algorithm". A third positional argument of
    ``decode`` is the ``algorithms`` parameter (PyJWT, python-jose) and is read as such."""
    if not au.mentions(ctx, _HINT_CHECK_ALG_NONE):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    for branch in au.nodes_of(ctx.tree, ast.If):
        if _tests_alg_none(branch.test) and not _refuses(branch.body):
            yield at_node(ALG_NONE, ctx, branch, "a token whose header says alg 'none' is accepted by hand",
                          severity=Severity.CRITICAL)
    for call in au.calls(ctx.tree):
        name = au.call_name(call, imp)
        if not _is_jwt(name):
            continue
        tail = au.last(name)
        algorithms = au.kwarg(call, "algorithms")
        if algorithms is None and tail == "decode" and len(call.args) >= 3:
            algorithms = call.args[2]  # PyJWT and python-jose: decode(token, key, algorithms, ...)
        algorithm = au.kwarg(call, "algorithm")
        values = au.const(algorithms, None)
        if (isinstance(values, (list, tuple, set)) and any(str(v).lower() == "none" for v in values)) or (
            isinstance(values, str) and values.lower() == "none"
        ):
            yield at_node(ALG_NONE, ctx, call, "'none' is an accepted JWT algorithm", severity=Severity.CRITICAL)
        elif str(au.const(algorithm, "")).lower() == "none":
            yield at_node(ALG_NONE, ctx, call, "token signed with algorithm 'none'", severity=Severity.CRITICAL)
        elif algorithms is not None and any(
            (isinstance(n, ast.Subscript) and au.const(n.slice) == "alg")
            or (isinstance(n, ast.Call) and "header" in au.dotted(n.func))
            for n in au.walk(algorithms)
        ):
            yield at_node(ALG_NONE, ctx, call, "algorithms taken from the token's own header")
        elif tail == "decode" and algorithms is None and len(call.args) >= 2 and not au.has_kwargs_splat(call):
            options = au.const(au.kwarg(call, "options"), {})
            if isinstance(options, dict) and options.get("verify_signature") is False:
                continue
            if name.startswith(("jwt.", "jose.")) or name in {"jwt.decode", "jose.jwt.decode"}:
                yield at_node(
                    ALG_NONE,
                    ctx,
                    call,
                    "jwt.decode() without algorithms=[...] does not pin the algorithm",
                    severity=Severity.MEDIUM,
                    confidence=Confidence.MEDIUM,
                )


__all__ = ["ALG_NONE", "UNVERIFIED"]
