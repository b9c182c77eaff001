"""Rate limiting: a bounded burst at the login operation (wrong credentials for a made-up user, so no real
account is locked) or, failing that, the canary operation. Reported when the whole burst is answered without
429/503 and without any ``Retry-After`` / ``RateLimit-*`` / ``X-RateLimit-*`` header."""

from __future__ import annotations

from apishield.probe import rules
from apishield.probe.checks._util import try_send
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, check
from apishield.probe.identities import find_op

BURST = 30


def limited(ex: Exchange) -> bool:
    if ex.status in (429, 503):
        return True
    return any(k.lower() in ("retry-after", "ratelimit", "ratelimit-limit", "ratelimit-policy", "x-ratelimit-limit",
                             "x-ratelimit-remaining", "x-rate-limit-limit") for k, _ in ex.response_headers)


@check("ratelimit", rules=(rules.RATE,), weight=4)
async def ratelimit(ctx: Context) -> None:
    """A bounded burst must meet 429 or at least rate-limit headers."""
    login = find_op(ctx.operations, "login")
    burst = min(BURST, ctx.client.check_remaining())
    if burst < 10:
        return
    last: Exchange | None = None
    for _ in range(burst):
        if login is not None:
            body = {"username": f"apishield_nobody_{ctx.token(6)}", "email": f"nobody.{ctx.token(6)}@example.com",
                    "password": "wrong-" + ctx.token(10)}
            ex = await try_send(ctx, login.method, login.path, op=login, json_body=body)
            op = login
        elif ctx.canary is not None and ctx.users:
            ex = await try_send(ctx, "GET", ctx.canary.path, op=ctx.canary, identity=ctx.users[0])
            op = ctx.canary
        else:
            return
        if ex is None or ex.status is None:
            return
        if limited(ex):
            return
        last = ex
    if last is not None:
        ctx.report(rules.RATE, f"{burst} requests to {op.key} in a burst: no 429, no Retry-After or RateLimit "
                   "headers", last, op=op, burst=burst)
