"""BFLA: administrative operations (``/admin``, admin tags or scopes) called as an ordinary user.

Reported when the anonymous request is refused (so the operation is protected at all) and the ordinary
user's request answers 2xx (and does not say it refused). Identities listed with ``--admin NAME`` are never used
here. Administrative ``GET``s are called with path parameters filled from the probe's own objects; administrative
``POST``s without destructive wording only when every path parameter names one of the probe's own identities
(``POST /admin/promote/{user_id}`` with the second identity's id): the first identity acts on the second, never
on anyone else. One anonymous and one authenticated request per operation.
"""

from __future__ import annotations

from apishield.probe import objects, rules
from apishield.probe.checks._util import try_send
from apishield.probe.client import denied
from apishield.probe.engine import Context, Identity, check
from apishield.probe.targets import Operation


def own_target(op: Operation, victim: Identity) -> str | None:
    """``op``'s path with every path parameter naming ``victim`` (None when one does not name a user)."""
    path = op.path
    for param in op.path_params:
        value = objects.identity_value(param.name, victim.username, victim.user_id, op.path.split("{")[0])
        if value is None:
            return None
        path = path.replace("{" + param.name + "}", str(value))
    return path


@check("bfla", rules=(rules.BFLA,), weight=2, phase="access", order=20)
async def bfla(ctx: Context) -> None:
    """Admin operations must refuse ordinary users."""
    admin = [op for op in ctx.operations if op.method == "GET" and op.looks_admin() and not op.looks_destructive()]
    actions = [op for op in ctx.operations if op.method == "POST" and op.looks_admin() and op.path_params
               and not op.looks_destructive() and not op.looks_login() and not op.looks_register()]
    if not admin and not actions:
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
    victim = ctx.users[1] if len(ctx.users) >= 2 else None
    for op in actions:
        path = own_target(op, victim) if victim is not None else None
        if path is None or victim is None:
            ctx.skip("an administrative action is only sent on the probe's own second identity", op)
            continue
        ctx.plan([op])
        body = ctx.body_for(op) if op.body_schema else None
        anon = await try_send(ctx, "POST", path, op=op, json_body=body)
        if anon is None or anon.status not in (401, 403):
            continue  # not protected at all (the authn check's concern), or no telling refusal
        ex = await try_send(ctx, "POST", path, op=op, identity=user, json_body=body)
        if ex is not None and ex.ok and not denied(ex):
            ctx.report(rules.BFLA, f"ordinary user {user.name} called admin action {op.key} on the probe's own "
                       f"identity {victim.name} ({ex.status}); anonymous got {anon.status}", ex, op=op)
