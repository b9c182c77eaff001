"""Accounts of the probe's own: a throwaway account registered and signed in for a check that must change or remove
an account (its privileges, its record, the account itself), so that no account the API held before is touched."""

from __future__ import annotations

import secrets

from apishield.probe.checks._util import try_send
from apishield.probe.engine import Context, Identity
from apishield.probe.identities import (
    LoginRecipe,
    credential_samples,
    credentials_for,
    fill_credentials,
    login,
    shaped_like,
)
from apishield.probe.targets import Operation, sample_body


async def throwaway_account(ctx: Context, register: Operation, login_op: Operation, name: str = "massprobe",
                            as_user: Identity | None = None) -> Identity | None:
    """A fresh account of the probe's own, its name and password shaped like the identities' (past an input
    check), registered (anonymously, or as ``as_user``) and logged in, with the body it signs in with; None when
    either step fails."""
    body = sample_body(register.body_schema, ctx.rng) if register.body_schema else {}
    names, passwords = credential_samples(ctx)
    username = shaped_like(names, f"apishield_{ctx.account_tag()}")
    password = shaped_like(passwords, f"Apishield-{secrets.token_urlsafe(12)}-9!")
    ctx.client.add_secret(password, f"PASSWORD_{name.upper()}")
    fill_credentials(body, username, password)
    sent = await try_send(ctx, register.method, register.path, op=register, json_body=body, identity=as_user)
    creds = credentials_for(login_op, body)
    probe_user = Identity(name=name, username=username)
    if sent is None or not sent.ok or not await login(ctx, recipe_like(ctx, login_op), probe_user, creds):
        return None
    probe_user.login_body = dict(creds)  # what it signs in with, for a check that must sign it in again
    return probe_user


def recipe_like(ctx: Context, login_op: Operation) -> LoginRecipe:
    """A login recipe that carries the token the way the run's identities carry theirs (``X-API-key: {token}``
    rather than a bearer header), read from the first identity's headers."""
    method, path, encoding = ctx.login or (login_op.method, login_op.path, "json")
    first = ctx.users[0] if ctx.users else None
    if first is not None and first.token:
        for key, value in first.headers.items():
            if first.token in value:
                return LoginRecipe(method, path, header=f"{key}: {value.replace(first.token, '{token}')}",
                                   encoding=encoding)
    return LoginRecipe(method, path, encoding=encoding)


__all__ = ["recipe_like", "throwaway_account"]
