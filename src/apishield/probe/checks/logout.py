"""Logout that logs nothing out: a token or session cookie the API still accepts after its own logout.

For each logout-like operation of the description (``POST /logout``, ``/auth/logout``, ``DELETE /session``), the
first identity that can sign in again gets a fresh session just for this test: the canary (an operation that refuses
anonymous callers) must accept it, the logout is sent with it and must answer with success, and the canary is asked
once more with the same credentials. A 2xx there is the finding; a 401/403 is a logout that works. The identity then
signs in afresh, so the rest of the run keeps a working session. Needs a login recipe (or provisioning) and a canary;
without them the units say "not tested" and why (not counted against coverage: ready-made credentials cannot be
logged out without ending them for the rest of the run). Four requests per logout operation, at most two operations.
It runs with the access checks, before the input checks spend the login's rate limit.
"""

from __future__ import annotations

from apishield.probe import rules
from apishield.probe.checks._util import body_args, try_send
from apishield.probe.engine import Context, Identity, check
from apishield.probe.targets import Operation

MAX_LOGOUTS = 2


@check("logout", rules=(rules.LOGOUT_KEPT,), weight=1, phase="access", order=40)
async def logout(ctx: Context) -> None:
    """A session or token the API still accepts after its own logout."""
    # the caller's own session: no path parameter (``/users/{id}/revoke-sessions`` acts on someone else's)
    ops = sorted((op for op in ctx.operations if op.looks_logout() and not op.path_params),
                 key=lambda op: "revoke" in op.path.lower())[:MAX_LOGOUTS]
    ctx.plan(ops)
    if not ops:
        ctx.not_applicable("no logout operation in the description")
        return
    who = next((i for i in ctx.users or ctx.identities if i.relogin is not None and i.verified), None)
    canary = ctx.canary
    if who is None or canary is None:
        # given ready-made credentials only (--auth), logging one out would end it for the rest of the run
        why = ("not tested: needs a login recipe (--login) so that a session can be opened for the test"
               if who is None else "not tested: no canary operation to ask with")
        for op in ops:
            ctx.not_applicable(why, op)
        return
    for op in ops:
        await _after_logout(ctx, op, canary, who)


async def _after_logout(ctx: Context, op: Operation, canary: Operation, who: Identity) -> None:
    assert who.relogin is not None
    if not await who.relogin():  # a session of its own, so that logging it out costs the run nothing
        ctx.skip(f"identity {who.name!r} could not sign in again", op)
        return
    path = ctx.concrete_path(canary, who) or canary.path
    session = dict(who.headers)  # sent as given: no re-login may hide a refusal
    before = await try_send(ctx, canary.method, path, op=canary, identity=who, headers=session)
    if before is None or not before.ok:
        ctx.skip("the canary did not accept the fresh session", op)
        return
    try:
        body = ctx.body_for(op) if op.body_schema is not None else None
        with ctx.own_logout(op):  # ends only the session opened for this test
            out = await try_send(ctx, op.method, ctx.concrete_path(op, who) or op.path, op=op, identity=who,
                                 headers=session, **body_args(op, body))
        if out is None or out.status is None or not (200 <= out.status < 400):
            ctx.skip(f"the logout answered {out.status if out is not None else 'nothing usable'}", op,
                     "inconclusive")
            return
        after = await try_send(ctx, canary.method, path, op=canary, identity=who, headers=session)
        if after is not None and after.ok:
            ctx.report(rules.LOGOUT_KEPT, f"after {op.method} {op.path} answered {out.status}, the same credentials "
                       f"still get {after.status} from {canary.method} {canary.path}", after, op=op)
    finally:
        await who.relogin()  # the rest of the run goes on with a session that was never logged out


__all__ = ["logout"]
