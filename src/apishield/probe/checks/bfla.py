"""BFLA: administrative operations (``/admin``, admin tags or scopes) called as an ordinary user.

Paths named only ``internal``, ``manage`` or ``ops`` also hold tools of ordinary users: a read there is reported only
when its answer holds secrets (password hashes, keys, tokens), and actions and creations there are not sent.

Reported when the anonymous request is refused (so the operation is protected at all) and the ordinary
user's request answers 2xx (and does not say it refused), unless the run's other identity is refused there (then the
operation checks a role the first identity holds). Identities listed with ``--admin NAME`` are never used here.
Administrative ``GET``s are called with path parameters filled from the probe's own objects; administrative
``POST``s without destructive wording only when every path parameter names one of the probe's own identities
(``POST /admin/promote/{user_id}`` with the second identity's id): the first identity acts on the second, never
on anyone else; administrative collections (``POST /admin/coupons``, no path parameter) get one marked object,
and a finding needs the marker shown back — to the ordinary user, or already to the anonymous request (an
administrative creation open to anyone). An administrative collection that takes a user name and a password
(``POST /admin/create_user``) gets one throwaway account instead — anonymously, then as the ordinary user when the
anonymous request is refused — and the proof is that the account signs in at the run's login. One anonymous and
one or two authenticated requests per operation (plus the login).
"""

from __future__ import annotations

from apishield.probe import objects, rules
from apishield.probe.account_ops import takes_credentials
from apishield.probe.checks._util import login_op, sensitive_fields, try_send
from apishield.probe.checks.throwaway import throwaway_account
from apishield.probe.client import denied
from apishield.probe.engine import Context, Identity, check
from apishield.probe.targets import Operation


def own_target(op: Operation, victim: Identity) -> str | None:
    """``op``'s path with every path parameter naming ``victim`` (None when one does not name a user)."""
    return objects.identity_path(op.path, (p.name for p in op.path_params), victim.username, victim.user_id,
                               victim.attributes)


@check("bfla", rules=(rules.BFLA,), weight=2, phase="access", order=20)
async def bfla(ctx: Context) -> None:
    """Admin operations must refuse ordinary users."""
    admin = [op for op in ctx.operations if op.method == "GET" and op.looks_admin() and not op.looks_destructive()]
    actions = [op for op in ctx.operations if op.method == "POST" and op.looks_admin() and op.path_params
               and not op.looks_destructive() and not op.looks_login() and not op.looks_register()]
    creations = [op for op in ctx.operations if op.method == "POST" and op.looks_admin() and not op.path_params
                 and not op.looks_destructive() and not op.looks_login() and not op.looks_register()]
    if not admin and not actions and not creations:
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
        if ex is None or not ex.ok or await _refused_to_the_other(ctx, op, path, user):
            continue
        secrets = sensitive_fields(ex.json()) if "json" in (ex.content_type or "") else []
        if not op.looks_admin(strictly=True) and not secrets:
            ctx.notes.append(f"bfla: {op.key} answered {user.name}, but only its path's '{op.path}' words say it is "
                             "administrative and its answer holds no secret: a tool of ordinary users? not reported")
            continue
        ctx.report(rules.BFLA, f"ordinary user {user.name} called admin operation {op.key} ({ex.status}); "
                   f"anonymous got {anon.status}" + (f"; it answers {', '.join(secrets[:3])}" if secrets else ""),
                   ex, op=op)
    victim = ctx.users[1] if len(ctx.users) >= 2 else None
    for op in actions:
        if not op.looks_admin(strictly=True):
            continue  # an action under /internal or /manage may be any user's tool: no answer here tells them apart
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
    for op in creations:
        if not op.looks_admin(strictly=True):
            continue  # a creation under /internal or /manage may be any user's tool (an object made proves nothing)
        ctx.plan([op])
        await _creation(ctx, op, user)


async def _refused_to_the_other(ctx: Context, op: Operation, path: str, user: Identity) -> bool:
    """The operation answered ``user`` but refuses the run's other identity: it checks a role, and ``user`` holds
    it (an administrator the probe was not told of), so its answer proves nothing about ordinary users."""
    other = next((u for u in ctx.users if u is not user), None)
    if other is None:
        return False
    theirs = await try_send(ctx, "GET", path, op=op, identity=other)
    if theirs is None or theirs.status is None or not (theirs.status in (401, 403) or denied(theirs)):
        return False
    ctx.notes.append(f"bfla: {op.key} answered {user.name} but refused {other.name} ({theirs.status}): it checks a "
                     f"role and {user.name} appears to hold it; not reported")
    return True


async def _account_creation(ctx: Context, op: Operation, user: Identity) -> bool:
    """An administrative collection of accounts (``POST /admin/create_user``): a throwaway account made through it
    anonymously (else as ``user``) that then signs in proves the creation; False when nothing could be tried (no
    login to sign in at)."""
    login, _encoding = login_op(ctx)
    if login is None:
        return False
    for who in (None, user):
        made = await throwaway_account(ctx, op, login, name="bflaprobe", as_user=who)
        sent = next((ex for ex in reversed(ctx.client.log) if ex.operation == op.key), None)
        if made is not None and sent is not None:
            caller = "an anonymous caller" if who is None else f"ordinary user {user.name}"
            ctx.notes.append(f"bfla: created the throwaway account {made.username!r} at {op.key} (remove it after "
                             "the run)")
            ctx.report(rules.BFLA, f"{caller} created an account through admin operation {op.key} ({sent.status}), "
                       f"and the account {made.username!r} signs in", sent, op=op)
            return True
        if sent is None or sent.status not in (401, 403):
            return True  # not refused, and still no account that signs in: nothing more a user's request shows
    return True


async def _creation(ctx: Context, op: Operation, user: Identity) -> None:
    """An administrative collection (``POST /admin/coupons``) refused to anonymous callers: the ordinary user
    creates a marked object; a finding needs a 2xx that does not say it refused and shows the marker back."""
    if takes_credentials(op) and await _account_creation(ctx, op, user):
        return
    body, query = ctx.marked_request(op)
    markers = [v for v in (*body.values(), *query.values()) if isinstance(v, str) and v.startswith("apishield")]
    sent = {"params": query or None, "json_body": body if body or not query else None}
    anon = await try_send(ctx, "POST", op.path, op=op, **sent)
    if anon is not None and anon.ok and not denied(anon):
        shown = next((m for m in markers if m in anon.text), None)
        if shown is not None:  # no credentials at all, and the object was made: the function is open to anyone
            ctx.report(rules.BFLA, f"an anonymous caller created an object through admin operation {op.key} "
                       f"({anon.status}, its marker {shown!r} in the answer)", anon, op=op, highlight=shown)
        return
    if anon is None or anon.status not in (401, 403):
        return  # no telling refusal
    ex = await try_send(ctx, "POST", op.path, op=op, identity=user, **sent)
    if ex is None or not ex.ok or denied(ex):
        return
    shown = next((m for m in markers if m in ex.text), None)
    if shown is not None:
        ctx.report(rules.BFLA, f"ordinary user {user.name} created an object through admin operation {op.key} "
                   f"({ex.status}, its marker {shown!r} in the answer); anonymous got {anon.status}", ex, op=op,
                   highlight=shown)
