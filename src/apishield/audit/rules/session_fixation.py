"""Session fixation (AS508): a sign-in that puts the user into a server-side session without renewing the session's
key. Django keeps the session in the server and names it by the cookie the browser arrived with; ``login()`` calls
``cycle_key()`` so that an id an attacker planted before the sign-in is not promoted to the victim's signed-in
session. Writing the user into ``request.session`` by hand skips that renewal."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.client_data import request_data
from apishield.audit.rules.base import at_node
from apishield.audit.rules.passwords import VERIFIES
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

SESSION_FIXATION = Rule(
    id="AS508",
    title="Session key not renewed at sign-in",
    cwe=(384,),
    owasp="API2:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="A sign-in writes the user into the server-side session the browser arrived with, without "
    "renewing its key: a session id fixed on the victim before the sign-in becomes their signed-in session.",
    fix="Sign in with `django.contrib.auth.login(request, user)`, which renews the key, or call "
    "`request.session.cycle_key()` before writing the user into the session.",
)

#: session keys that name who is signed in
_IDENTITY_KEY = re.compile(r"(?i)user|_auth_|uid|account|member|logged|login|principal|identity")
#: calls that renew the session's key, or a sign-in helper that does
_RENEWS = re.compile(r"(?i)^(?:cycle_key|flush|create|regenerate\w*|rotate\w*|renew\w*)$|login")


@rule(SESSION_FIXATION)
def check_session_fixation(ctx: ModuleContext) -> Iterator[Finding]:
    """AS508 — a Django function that verifies a credential (``authenticate()``, ``check_password()``) and then
    writes the user into ``request.session`` (``request.session['user_id'] = user.pk``, the ``_auth_user_id`` keys)
    with no ``login()``, ``cycle_key()`` or ``flush()``: the key the browser arrived with is kept; and a session opened
    by a key the request carries (``SessionStore(session_key=request.GET['session'])``). Quiet for sessions that are
    signed cookies (Flask, Bottle), where the server keeps no session a planted id could name."""
    if "session" not in ctx.source or not any(v.split(".")[0] == "django" for v in au.import_map(ctx.tree).values()):
        return
    for fn in au.functions(ctx.tree):
        chosen = next((c for c in au.calls(fn) if _session_named_by_client(c, fn)), None)
        if chosen is not None:
            yield at_node(SESSION_FIXATION, ctx, chosen, f"{fn.name}() opens the session whose key the request "
                          "carries: whoever sends a key gets that session's user, and a planted link fixes the "
                          "victim's session")
            continue
        calls = [au.last(au.dotted(c.func)) for c in au.calls(fn)]
        if not any(VERIFIES.search(name) for name in calls) or any(_RENEWS.search(name) for name in calls):
            continue
        write = next((node for node in au.walk(fn) if _identity_write(node)), None)
        if write is not None:
            yield at_node(SESSION_FIXATION, ctx, write,
                          f"{fn.name}() signs the user in by writing request.session without renewing its key")


def _session_named_by_client(call: ast.Call, fn: ast.AST) -> bool:
    """``SessionStore(session_key=request.GET['session'])``: a server-side session opened by the key the client sends
    in the request (directly or through a local assigned from it), not by the session cookie."""
    if au.last(au.dotted(call.func)) != "SessionStore":
        return False
    key = au.kwarg(call, "session_key") or (call.args[0] if call.args else None)
    if isinstance(key, ast.Name):
        values = au.assigned_values(key.id, fn)
        return bool(values) and any(request_data(v) for v in values)
    return request_data(key)


def _identity_write(node: ast.AST) -> bool:
    """``request.session['user_id'] = ...`` (or ``self.request.session[...]``) with a key naming the user."""
    if not isinstance(node, ast.Assign):
        return False
    for target in node.targets:
        if (isinstance(target, ast.Subscript) and au.dotted(target.value).endswith("request.session")
                and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str)
                and _IDENTITY_KEY.search(target.slice.value)):
            return True
    return False


__all__ = ["SESSION_FIXATION", "check_session_fixation"]
