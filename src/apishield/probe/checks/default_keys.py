"""API keys left at a default value: a read that takes a key in a header or the query (``X-API-KEY``, ``api_key``) and
refuses a made-up one, but answers one of the well-known defaults (``admin123``, ``changeme``, ``secret`` …) — the
key every reader of the README or the source tries first.

Only reads (``GET``) are asked, each at most once per default, with the first identity's credentials when the run
has one (a key may be asked on top of a sign-in). A finding needs the made-up key refused (401/403) and a default
answered 2xx with something in it; the key then opens what the made-up one did not.
"""

from __future__ import annotations

import re
import secrets

from apishield.probe import rules
from apishield.probe.checks._util import try_send
from apishield.probe.checks.authn import serves_nothing
from apishield.probe.client import Exchange, denied
from apishield.probe.engine import Context, check
from apishield.probe.targets import Operation, Param

#: a header or query parameter that carries a static key (an issued token goes in ``Authorization``)
KEY_PARAM = re.compile(r"(?i)^(x-)?(api|admin|access|app|service|master|secret)?[-_]?(api)?[-_]?key$|^x-?secret$")
#: defaults a shipped key is left at (the shapes of DEFAULT_PAIRS' passwords, and the usual placeholders)
DEFAULT_KEYS = ("admin123", "admin", "changeme", "secret", "password", "apikey", "api_key", "test", "default",
                "123456", "supersecret", "letmein")


def key_param(op: Operation) -> Param | None:
    """The parameter of a read that carries a static key; None for anything else."""
    if op.method != "GET" or op.path_params:  # asked at its own path: no object to name
        return None
    return next((p for p in op.params if p.location in ("header", "query") and KEY_PARAM.match(p.name)), None)


@check("default_keys", rules=(rules.DEFAULT_LOGIN,), weight=0, phase="auth", order=35)
async def default_keys(ctx: Context) -> None:
    """Reads behind a static key: does a well-known default open them?"""
    reads = [(op, param) for op in ctx.operations if (param := key_param(op)) is not None]
    ctx.plan(op for op, _ in reads)
    if not reads:
        ctx.not_applicable("no read takes a static key in a header or the query")
        return
    who = ctx.users[0] if ctx.users else None
    tried: set[str] = set()
    for op, param in reads:
        if param.name.lower() in tried:
            continue  # one key per name: the check that reads it is usually shared
        tried.add(param.name.lower())

        async def ask(value: str, op: Operation = op, param: Param = param) -> Exchange | None:
            where = {"headers": {param.name: value}} if param.location == "header" else {"params": {param.name: value}}
            return await try_send(ctx, "GET", op.path, op=op, identity=who, **where)

        made_up = await ask(f"apishield-{secrets.token_hex(8)}")
        if made_up is None or not denied(made_up):
            continue  # the key is not what refuses (or nothing refuses): a default proves nothing here
        for value in DEFAULT_KEYS:
            ex = await ask(value)
            if ex is not None and ex.ok and not denied(ex) and not serves_nothing(ex):
                ctx.report(rules.DEFAULT_LOGIN, f"GET {op.path} refused a made-up {param.name} ({made_up.status}) "
                           f"and answered {ex.status} to the default {param.name}: {value!r}", ex, op=op,
                           parameter=param.name)
                break
