"""BFLA: administrative operations (``/admin``, admin tags or scopes) called as an ordinary user.

Reported when the anonymous request is refused (so the operation is protected at all) and the ordinary
user's request answers 2xx. Identities listed with ``--admin NAME`` are never used here.
"""

from __future__ import annotations

from apishield.probe import rules
from apishield.probe.checks._util import try_send
from apishield.probe.engine import Context, check


@check("bfla", rules=(rules.BFLA,), weight=2, phase="access", order=20)
async def bfla(ctx: Context) -> None:
    """Admin operations must refuse ordinary users."""
    admin = [op for op in ctx.operations if op.method == "GET" and op.looks_admin() and not op.looks_destructive()]
    if not admin:
        ctx.not_applicable("no administrative-looking operation")
        return
    if not ctx.users:
        ctx.needs_identity("function-level authorization needs an ordinary identity")
        return
    user = ctx.users[0]
    ctx.plan(admin)
    for op in admin:
        path = ctx.concrete_path(op, user)
        if path is None:
            continue
        anon = await try_send(ctx, "GET", path, op=op)
        if anon is None or anon.ok:
            continue  # open to everyone: the authn check reports that
        ex = await try_send(ctx, "GET", path, op=op, identity=user)
        if ex is not None and ex.ok:
            ctx.report(rules.BFLA, f"ordinary user {user.name} called admin operation {op.key} ({ex.status}); "
                       f"anonymous got {anon.status}", ex, op=op)
