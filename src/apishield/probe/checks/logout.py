"""Logout that logs nothing out: a token or session cookie the API still accepts after its own logout.

For each logout-like operation of the description (``POST /logout``, ``/auth/logout``, ``DELETE /session``), the
first identity that can sign in again gets a fresh session just for this test: the canary (an operation that refuses
anonymous callers) must accept it, the logout is sent with it and must answer with success, and the canary is asked
once more with the same credentials. A 2xx there is the finding; a 401/403 is a logout that works. The identity then
signs in afresh, so the rest of the run keeps a working session. Needs a login recipe (or provisioning) and a canary;
without them the units say "not tested" and why (not counted against coverage: ready-made credentials cannot be
logged out without ending them for the rest of the run). Four requests per logout operation, at most two operations.
When the canary does not take the fresh session (it was proven with another of the account's credentials), a few
protected GETs without path parameters are asked instead, and failing them the logout operation itself, if it
refuses both anonymous callers and a tampered credential: a second logout answered 2xx with the same credentials is
then the finding. It runs with the access checks, before the input checks spend the login's rate limit.
"""

from __future__ import annotations

from apishield.probe import rules
from apishield.probe.checks._util import try_send
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
    session = dict(who.headers)  # sent as given: no re-login may hide a refusal
    found = await _reference(ctx, op, canary, who, session)
    if found is None:
        ctx.skip("the canary did not accept the fresh session", op)
        return
    canary, path = found
    try:
        body = ctx.body_for(op) if op.body_schema is not None else None
        with ctx.own_logout(op):  # ends only the session opened for this test
            out = await try_send(ctx, op.method, ctx.concrete_path(op, who) or op.path, op=op, identity=who,
                                 headers=session, json_body=body)
        if out is None or out.status is None or not (200 <= out.status < 400):
            ctx.skip(f"the logout answered {out.status if out is not None else 'nothing usable'}", op,
                     "inconclusive")
            return
        with ctx.own_logout(op):  # the reference may be the logout itself, asked again with the same credentials
            after = await try_send(ctx, canary.method, path, op=canary, identity=who, headers=session,
                                   json_body=body if canary is op else None)
        if after is not None and after.ok:
            ctx.report(rules.LOGOUT_KEPT, f"after {op.method} {op.path} answered {out.status}, the same credentials "
                       f"still get {after.status} from {canary.method} {canary.path}", after, op=op)
    finally:
        await who.relogin()  # the rest of the run goes on with a session that was never logged out


async def _reference(ctx: Context, logout_op: Operation, canary: Operation, who: Identity,
                     session: dict[str, str]) -> tuple[Operation, str] | None:
    """An operation that takes ``session`` and refuses anonymous callers: the canary, else one of a few protected
    GETs without path parameters, else the logout itself when it refuses anonymous callers and a tampered
    credential too (so that its 2xx means the credentials were accepted)."""
    path = ctx.concrete_path(canary, who) or canary.path
    before = await try_send(ctx, canary.method, path, op=canary, identity=who, headers=session)
    if before is not None and before.ok:
        return canary, path
    others = [o for o in ctx.operations if o.method == "GET" and not o.path_params and o.secured is not False
              and not o.looks_destructive() and not o.looks_logout() and o is not canary][:3]
    for other in others:
        mine = await try_send(ctx, "GET", other.path, op=other, identity=who, headers=session)
        if mine is None or not mine.ok:
            continue
        anon = await try_send(ctx, "GET", other.path, op=other)
        if anon is not None and anon.status in (401, 403):
            return other, other.path
    body = ctx.body_for(logout_op) if logout_op.body_schema is not None else None
    where = ctx.concrete_path(logout_op, who) or logout_op.path
    tampered = {k: v + "apishield" for k, v in session.items()}
    with ctx.own_logout(logout_op):  # neither request carries a working credential: nothing is logged out
        anon = await try_send(ctx, logout_op.method, where, op=logout_op, json_body=body)
        if anon is None or anon.status not in (401, 403) or not tampered:
            return None
        fake = await try_send(ctx, logout_op.method, where, op=logout_op, headers=tampered,
                              json_body=body)
    if fake is None or fake.status not in (401, 403):
        return None
    return logout_op, where


__all__ = ["logout"]
