"""Crawl: every safe GET operation once, as the first ordinary identity (anonymously when there is none), with
path parameters filled from the probe's own objects. It costs one request per operation and gives every answer
to the disclosure check (sensitive data, errors), so no operation goes unseen just because no attack fits it."""

from __future__ import annotations

from apishield.probe.checks._util import try_send, who_for
from apishield.probe.engine import Context, check


@check("crawl", rules=(), weight=2, phase="auth", order=0)
async def crawl(ctx: Context) -> None:
    """One GET per safe operation, read by the disclosure check."""
    ops = [op for op in ctx.operations if op.method == "GET" and not op.looks_destructive()]
    ctx.plan(ops)
    if not ops:
        ctx.not_applicable("no GET operation")
    for op in ops:
        who = who_for(ctx, op)
        path = ctx.concrete_path(op, who)
        if path is not None:
            await try_send(ctx, "GET", path, op=op, identity=who, params=ctx.query_for(op) or None)
