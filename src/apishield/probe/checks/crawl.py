"""Crawl: every safe GET operation once, as the first ordinary identity (anonymously when there is none), with
path parameters filled from the probe's own objects. It costs one request per operation and gives every answer
to the disclosure check (sensitive data, errors), so no operation goes unseen just because no attack fits it.

Switches are turned once each: an optional query or header parameter the description types as a flag (a boolean,
or an integer whose default is 0 or 1) is sent with the other value (``Hide-Info: 0`` where the default hides), so
an answer that shows more with the switch turned is read by the disclosure and exposure checks too (at most
:data:`MAX_SWITCHES` requests).

Then one GET per path the description lists only with other methods (``POST /tokens`` and no ``GET /tokens``):
frameworks often serve a method nobody documented, and what it answers goes to the disclosure check too. Paths
with a destructive-looking operation are left alone (a handler may ignore the method)."""

from __future__ import annotations

from typing import Any

from apishield.probe.checks._util import try_send, who_for
from apishield.probe.engine import Context, check
from apishield.probe.targets import Operation, Param

MAX_SWITCHES = 12


@check("crawl", rules=(), weight=2, phase="access", order=0)
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
    await _switches(ctx, ops)
    await _undocumented_get(ctx)


def _turned(param: Param) -> str | None:
    """The other value of a flag parameter (``0`` for a default of ``1``), or None when it is not a flag."""
    schema: dict[str, Any] = param.schema or {}
    kind, default = schema.get("type"), schema.get("default")
    if kind == "boolean":
        return "true" if default in (None, False, "false") else "false"
    if kind == "integer" and default in (0, 1):
        return str(1 - int(default))
    return None


async def _switches(ctx: Context, ops: list[Operation]) -> None:
    sent = 0
    for op in ops:
        for param in op.params:
            turned = _turned(param) if param.location in ("query", "header") and not param.required else None
            if turned is None or sent >= MAX_SWITCHES:
                continue
            who = who_for(ctx, op)
            path = ctx.concrete_path(op, who)
            if path is None:
                continue
            query = dict(ctx.query_for(op))
            headers = None
            if param.location == "query":
                query[param.name] = turned
            else:
                headers = {param.name: turned}
            sent += 1
            await try_send(ctx, "GET", path, op=op, identity=who, params=query or None, headers=headers)


async def _undocumented_get(ctx: Context) -> None:
    by_path: dict[str, list[Operation]] = {}
    for op in ctx.operations:
        by_path.setdefault(op.path, []).append(op)
    for ops in by_path.values():
        if any(o.method == "GET" for o in ops) or any(o.looks_destructive() for o in ops):
            continue
        op = ops[0]
        who = who_for(ctx, op)
        concrete = ctx.concrete_path(op, who)
        if concrete is not None:
            await try_send(ctx, "GET", concrete, identity=who)
