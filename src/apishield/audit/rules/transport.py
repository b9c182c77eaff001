"""TLS set up by hand with old protocols or weakened options: AS312.

The standard library's defaults are sound (``ssl.create_default_context()``, ``PROTOCOL_TLS_SERVER``); the bug is a
line that asks for less: a protocol constant of SSL 2/3 or TLS 1.0/1.1, a ``minimum_version`` that low, or
``ctx.options &= ~ssl.OP_NO_SSLv3`` (and ``OP_NO_COMPRESSION``, whose removal re-opens CRIME).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules.base import at_node
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

WEAK_TLS = Rule(
    id="AS312",
    title="TLS with broken protocol versions or weakened options",
    cwe=(327, 757, 326),
    owasp="API8:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    description="SSL 3, TLS 1.0/1.1 and TLS compression have practical attacks (POODLE, BEAST, CRIME); a server or "
    "client that allows them lets a network attacker read or downgrade the connection.",
    fix="Use `ssl.create_default_context()` (or `SSLContext(ssl.PROTOCOL_TLS_SERVER)`) and leave its options alone; "
    "if you set a floor, `ctx.minimum_version = ssl.TLSVersion.TLSv1_2`.",
)

_OLD_PROTOCOLS = frozenset({"PROTOCOL_SSLv2", "PROTOCOL_SSLv3", "PROTOCOL_SSLv23_v3", "PROTOCOL_TLSv1",
                            "PROTOCOL_TLSv1_1"})
_OLD_VERSIONS = frozenset({"SSLv3", "TLSv1", "TLSv1_1"})
_SAFETY_OPTIONS = frozenset({"OP_NO_SSLv2", "OP_NO_SSLv3", "OP_NO_TLSv1", "OP_NO_TLSv1_1", "OP_NO_COMPRESSION"})


def _cleared_options(node: ast.AugAssign) -> list[str]:
    """``ctx.options &= ~ssl.OP_NO_SSLv3`` (also ``~(A | B)``): the safety options it clears."""
    if not (isinstance(node.op, ast.BitAnd) and isinstance(node.target, ast.Attribute)
            and node.target.attr == "options" and isinstance(node.value, ast.UnaryOp)
            and isinstance(node.value.op, ast.Invert)):
        return []
    return [n.attr for n in au.walk(node.value.operand) if isinstance(n, ast.Attribute) and n.attr in _SAFETY_OPTIONS]


@rule(WEAK_TLS)
def check_weak_tls(ctx: ModuleContext) -> Iterator[Finding]:
    """AS312 — ``ssl.PROTOCOL_SSLv2/SSLv3/TLSv1/TLSv1_1`` (in ``SSLContext``/``wrap_socket`` or anywhere),
    ``minimum_version = TLSVersion.SSLv3/TLSv1/TLSv1_1``, and ``options &= ~OP_NO_SSLv3`` (any ``OP_NO_SSLv2/SSLv3/
    TLSv1/TLSv1_1/COMPRESSION``)."""
    if not au.mentions(ctx, ("ssl", "tlsv1")):  # cheap pre-filter: most files cannot match
        return
    for node in au.nodes_of_any(ctx.tree, ast.Attribute, ast.AugAssign, ast.Assign):
        if isinstance(node, ast.Attribute) and node.attr in _OLD_PROTOCOLS:
            yield at_node(WEAK_TLS, ctx, node, f"{au.dotted(node)} selects a broken protocol version")
        elif isinstance(node, ast.AugAssign):
            cleared = _cleared_options(node)
            if cleared:
                yield at_node(WEAK_TLS, ctx, node, f"clearing {', '.join(cleared)} re-enables what it forbids")
        elif (isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute)
              and node.value.attr in _OLD_VERSIONS
              and any(isinstance(t, ast.Attribute) and t.attr == "minimum_version" for t in node.targets)):
            yield at_node(WEAK_TLS, ctx, node, f"minimum_version {au.dotted(node.value)} allows broken versions")


__all__ = ["WEAK_TLS"]
