"""Outbound TLS certificate verification switched off (AS308): ``verify=False``, unverified SSL contexts,
``CERT_NONE`` and ``check_hostname = False``, lowered when only an operator's insecure-TLS setting reaches the line."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace

from apishield.audit import astutil as au
from apishield.audit.rules.base import at_node, imports
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

TLS_OFF = Rule(
    id="AS308",
    title="TLS certificate verification disabled",
    cwe=(295,),
    owasp="API10:2023",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    description="Outbound calls accept any certificate, so anyone on the path can read and alter them.",
    fix="Remove `verify=False` / `CERT_NONE`; pass a CA bundle (`verify='/path/ca.pem'`) for private CAs.",
)

_HINT_CHECK_TLS = ("verify", "cert_none", "unverified", "check_hostname", "ssl")


def _token_decoder(name: str) -> bool:
    """A JWT/JWS library call (``jwt.decode``, ``jose.jwt.decode``, ``jws.verify``): its ``verify`` is not TLS."""
    head = name.split(".")[0]
    return head in {"jwt", "jose", "jws", "jwcrypto", "authlib", "itsdangerous"} or au.last(name) in {
        "decode_token", "decode_jwt", "verify_jwt"}


@rule(TLS_OFF)
def check_tls(ctx: ModuleContext) -> Iterator[Finding]:
    """AS308 — TLS verification off: ``verify=False`` on requests/httpx/aiohttp calls and clients,
    ``ssl._create_unverified_context()``, ``cert_reqs=CERT_NONE``, ``ctx.check_hostname = False``,
    ``ctx.verify_mode = ssl.CERT_NONE``."""
    if not au.mentions(ctx, _HINT_CHECK_TLS):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    found = list(_tls_off(ctx, imp))
    parents = au.parent_map(ctx.tree) if found else {}
    for finding, node in found:
        if _opted_in(node, parents):  # only when the operator's setting asks for it
            finding = replace(finding, severity=Severity.LOW,
                              message=f"{finding.message} (only when a setting it tests asks for insecure TLS)")
        yield finding


#: an ``if`` test that asks for insecure TLS by a setting (``if server.tls_insecure:``, ``if not verify_ssl:``)
_INSECURE_OPT_IN = re.compile(r"(?i)insecure|no_?verify|skip_?verif|disable_?(?:ssl|tls|verif)|ignore_?(?:ssl|tls|cert)"
                              r"|\bnot\s+[\w.]*verif")


def _opted_in(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """``node`` runs only in the body of an ``if`` whose test is a setting asking for insecure TLS."""
    child, cur = node, parents.get(id(node))
    while cur is not None:
        if isinstance(cur, ast.If) and any(child is s for s in cur.body) and _INSECURE_OPT_IN.search(
                ast.unparse(cur.test)):
            return True
        child, cur = cur, parents.get(id(cur))
    return False


def _tls_off(ctx: ModuleContext, imp: au.Imports) -> Iterator[tuple[Finding, ast.AST]]:
    for node in au.nodes_of_any(ctx.tree, ast.Call, ast.Assign):
        if isinstance(node, ast.Call):
            name = au.call_name(node, imp)
            if _token_decoder(name):
                continue  # ``jwt.decode(token, verify=False)`` skips the signature check: AS701's finding, not TLS
            if au.is_false(au.kwarg(node, "verify")) or (au.is_false(au.kwarg(node, "ssl")) and "aiohttp" in name):
                message = f"{au.last(name) or 'call'}(verify=False) accepts any certificate"
                yield at_node(TLS_OFF, ctx, node, message), node
            elif au.last(name) in {"_create_unverified_context", "_create_stdlib_context"}:
                yield at_node(TLS_OFF, ctx, node, f"ssl.{au.last(name)}() disables certificate checks"), node
            elif (
                au.dotted(au.kwarg(node, "cert_reqs")).endswith("CERT_NONE")
                or au.str_const(au.kwarg(node, "cert_reqs")) == "CERT_NONE"
            ):
                yield at_node(TLS_OFF, ctx, node, "cert_reqs=CERT_NONE disables certificate checks"), node
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                text = au.dotted(t)
                if text.endswith(".check_hostname") and au.is_false(node.value):
                    yield at_node(TLS_OFF, ctx, node, "check_hostname = False"), node
                elif text.endswith(".verify_mode") and au.dotted(node.value).endswith("CERT_NONE"):
                    yield at_node(TLS_OFF, ctx, node, "verify_mode = CERT_NONE"), node
                elif text.endswith(".verify") and au.is_false(node.value):
                    yield at_node(TLS_OFF, ctx, node, "session.verify = False"), node


__all__ = ["TLS_OFF"]
