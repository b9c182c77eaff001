"""A request after which the server never answered again: the run's log shows the target answering every request
up to one, then no connection at all for every request to the end. The probe asks once more, a moment later, with a
plain ``GET`` of the base URL; a target still silent was taken down by that request (or the one before it), which
any client able to send it can repeat: a denial of service. A target that answers again (a worker restarted, a
passing stall) is not reported; the coverage already says which requests went unanswered."""

from __future__ import annotations

import asyncio

from apishield.findings import Confidence
from apishield.probe import rules
from apishield.probe.checks.disclosure import _op_for
from apishield.probe.client import ANONYMOUS, BudgetExhausted
from apishield.probe.coverage import silent_from
from apishield.probe.engine import Context, check

#: how long the server gets to come back before the probe asks again
SETTLE_SECONDS = 1.0


@check("crash", rules=(rules.SERVER_STOPPED,), weight=0, phase="passive", order=9)
async def crash(ctx: Context) -> None:
    """A request after which the server stopped answering for good (re-checked with one plain request): the
    request that took it down, as a denial of service any client able to send it can repeat."""
    log = list(ctx.client.log)
    first = silent_from(log)
    if first is None:
        return
    await asyncio.sleep(SETTLE_SECONDS)
    try:
        again = await ctx.client.request("GET", "")
    except BudgetExhausted:
        again = None
    if again is not None and again.status is not None:
        ctx.notes.append(f"crash: the target stopped answering after {log[first].method} {log[first].path} and "
                         "answered again a moment later (a restart or a stall); not reported")
        return
    ex = log[first]
    who = "an anonymous caller" if ex.identity == ANONYMOUS else f"identity {ex.identity}"
    # requests run concurrently: the one that took the server down may have been sent just before the first
    # unanswered one and answered by a worker that was still running
    before = list(dict.fromkeys(f"{e.method} {e.path}" for e in reversed(log[max(0, first - ctx.options.concurrency):
                                                                                 first])))
    ctx.report(rules.SERVER_STOPPED,
               f"the server stopped answering after this request ({ex.method} {ex.path}, sent by {who} in the "
               f"{ex.check} check): it answered all {first} requests before it and none of the {len(log) - first} "
               f"after it" + (", nor a plain GET of the base URL a moment later" if again is not None else
                              " (the budget left no request to ask again)")
               + f"; sent just before it: {', '.join(before)}. Any client able to send it can take the API down",
               ex, op=_op_for(ctx, ex),
               confidence=None if again is not None else Confidence.LOW)


__all__ = ["SETTLE_SECONDS", "crash"]
