"""Accounts deleted across identities: can one signed-in user delete another's account (``DELETE /users/{id}``)?

Only an account of the probe's own is ever the victim: a throwaway account registered for the purpose, whose key is
learnt from its own sign-in (its id in the login answer or token, or its user name). The other identity sends the
``DELETE`` at that key; a finding needs the account to be gone afterwards: it can no longer sign in with the
password it was registered with, or its own read of itself answers 404 or 410 where it answered before.
"""

from __future__ import annotations

from apishield.probe import objects, rules
from apishield.probe.account_ops import creates_account
from apishield.probe.checks._util import try_send
from apishield.probe.checks.account_views import names_one_account
from apishield.probe.checks.held_objects import collection_of
from apishield.probe.checks.throwaway import recipe_like, throwaway_account
from apishield.probe.client import denied
from apishield.probe.engine import Context, Identity
from apishield.probe.identities import LoginRecipe, find_op, login


async def account_deleted_across(ctx: Context, deleter: Identity) -> None:
    """For each ``DELETE`` of one account by its key: a throwaway account, deleted by ``deleter``, proven gone."""
    register = next((op for op in ctx.operations if creates_account(op)), None)
    login_op = find_op(ctx.operations, "login")
    deletes = [op for op in ctx.operations if op.method == "DELETE" and names_one_account(op)]
    if not deletes or register is None or login_op is None:
        return
    recipe = recipe_like(ctx, login_op)
    for op in deletes:
        victim = await throwaway_account(ctx, register, login_op, name="deleteprobe")
        if victim is None:
            ctx.notes.append(f"bola: {op.key} not tested: no throwaway account could be registered to delete")
            return
        path = objects.identity_path(op.path, (op.path_params[0].name,), victim.username, victim.user_id,
                                     victim.attributes)
        if path is None:
            ctx.notes.append(f"bola: {op.key} is keyed by account, but the throwaway account's own key was not "
                             "learnt: not tested")
            continue
        reader = ctx.item_op(collection_of(op), "GET")
        before = await try_send(ctx, "GET", path, identity=victim, op=reader) if reader is not None else None
        if not await _signs_in(ctx, recipe, victim):
            continue  # a control: the account signs in again right now, so a later refusal means it is gone
        ctx.claim(path)
        with ctx.own_delete(path):
            gone = await try_send(ctx, "DELETE", path, identity=deleter, op=op)
        if gone is None or not gone.ok or denied(gone):
            continue
        signs_in = await _signs_in(ctx, recipe, victim)
        after = await try_send(ctx, "GET", path, identity=victim, op=reader) if reader is not None else None
        read_gone = (before is not None and before.ok and not denied(before) and after is not None
                     and after.status in (404, 410))
        if signs_in and not read_gone:
            continue  # still there (a refusal answered 2xx): nothing proven
        how = " and ".join(([] if signs_in else ["it can no longer sign in"])
                           + ([f"its own read answered {after.status}"] if read_gone and after is not None else []))
        ctx.report(rules.BOLA_WRITE, f"{deleter.name} deleted the account {path} of another user (a throwaway "
                   f"account of the probe's own) with DELETE; {how} afterwards", gone, op=op,
                   parameter=op.path_params[0].name)


async def _signs_in(ctx: Context, recipe: LoginRecipe, account: Identity) -> bool:
    """Does ``account`` sign in with the body it was registered with? (A fresh identity: the account's own token
    and headers stay as they were.)"""
    return await login(ctx, recipe, Identity(name=account.name, username=account.username), dict(account.login_body))


__all__ = ["account_deleted_across"]
