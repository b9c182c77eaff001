"""Passwords set without proof of the account: an operation that takes an account's e-mail or user name and a new
password, and no reset token, code or current password (``PUT /reset/change {email, password}``), lets whoever names
an account take it over.

Asked only of a throwaway account of the probe's own, registered and signed in for the purpose, and anonymously: a
finding needs the account to sign in with the new password afterwards, where the same password was refused just
before (the control: a login that takes any password proves nothing). No account the API held before is touched.
"""

from __future__ import annotations

import re
import secrets

from apishield.probe import rules
from apishield.probe.account_ops import creates_account
from apishield.probe.checks._util import try_send
from apishield.probe.checks.resets import ACCOUNT_FIELD
from apishield.probe.checks.throwaway import recipe_like, throwaway_account
from apishield.probe.client import denied
from apishield.probe.engine import Context, Identity, check
from apishield.probe.identities import find_op, login, password_named
from apishield.probe.targets import Operation, sample_body

#: fields that prove the caller may set the password: a reset secret or the current password
PROOF = re.compile(r"(?i)(token|code|otp|secret|signature|old_?pass|current_?pass|existing_?pass|key|hash)")


def sets_password_unproven(op: Operation) -> str | None:
    """The account field of an operation that sets a password for an account named in its body, with no field that
    proves the caller may (``{email, password}``); None for anything else (sign-ups and logins included)."""
    if op.method not in ("POST", "PUT", "PATCH") or op.looks_login() or op.looks_register() or creates_account(op):
        return None
    fields = list(op.body_fields)
    if not any(password_named(f) and not PROOF.search(f) for f in fields) or any(PROOF.search(f) for f in fields):
        return None
    if op.path_params or any(p.location == "query" and PROOF.search(p.name) for p in op.params):
        return None
    return next((f for f in fields if ACCOUNT_FIELD.match(f)), None)


@check("password_set", rules=(rules.PASSWORD_SET_UNPROVEN,), weight=0, phase="load", order=25)
async def password_set(ctx: Context) -> None:
    """Anonymous password changes of an account named by its e-mail or name, tried on a throwaway account."""
    ops = [(op, field) for op in ctx.operations if (field := sets_password_unproven(op)) is not None]
    ctx.plan(op for op, _ in ops)
    if not ops:
        ctx.not_applicable("no operation sets a password for an account its body names without a token or the "
                           "current password")
        return
    register = next((op for op in ctx.all_operations if creates_account(op)), None)
    login_op = find_op(ctx.all_operations, "login")
    if register is None or login_op is None:
        for op, _ in ops:
            ctx.skip("no registration and login to make a throwaway account of the probe's own", op)
        return
    recipe = recipe_like(ctx, login_op)
    for op, field in ops[:2]:
        victim = await throwaway_account(ctx, register, login_op, name="resetprobe")
        if victim is None or not victim.login_body:
            ctx.skip("no throwaway account could be registered and signed in", op)
            return
        named = _account_value(victim, field)
        if named is None:
            ctx.skip(f"the throwaway account's {field} is not known", op)
            continue
        new = f"Apishield-{secrets.token_urlsafe(10)}-7!"
        ctx.client.add_secret(new, "PASSWORD_RESETPROBE_NEW")
        signed_in = {k: (new if password_named(k) else v) for k, v in victim.login_body.items()}
        if await login(ctx, recipe, Identity(name="resetprobe"), dict(signed_in)):
            ctx.skip("the login accepted a password the account never had: a sign-in proves nothing", op)
            return
        body = sample_body(op.body_schema, ctx.rng) if op.body_schema else {}
        body.update({k: new for k in op.body_fields if password_named(k)})  # the sampled body's fields among them
        body[field] = named
        with ctx.own_write(op):
            sent = await try_send(ctx, op.method, op.path, op=op, json_body=body)
        if sent is None or not sent.ok or denied(sent):
            continue
        if await login(ctx, recipe, Identity(name="resetprobe"), dict(signed_in)):
            ctx.report(rules.PASSWORD_SET_UNPROVEN, f"an anonymous {op.method} {op.path} naming the throwaway account "
                       f"{named!r} by its {field} set its password: the account then signed in with the new one "
                       "(refused just before)", sent, op=op, parameter=field)


def _account_value(victim: Identity, field: str) -> str | None:
    """The throwaway account's value for an account field: its e-mail for an e-mail field, else its user name."""
    values = {k.lower(): v for k, v in victim.login_body.items() if isinstance(v, str)}
    if "mail" in field.lower():
        return next((v for k, v in values.items() if "mail" in k), None) or next(
            (v for v in values.values() if "@" in v), None)
    return victim.username or next((v for k, v in values.items() if not password_named(k)), None)
