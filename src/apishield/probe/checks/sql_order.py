"""SQL after ``ORDER BY``: a sort parameter whose text the server places in the statement unquoted, where the quote,
boolean and time payloads of :mod:`apishield.probe.checks.injection` prove nothing (a quote breaks the statement
and two quotes break it too; ``OR 1=1`` and ``OR 1=2`` both sort by a constant). Four requests at most."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from apishield.probe import rules
from apishield.probe.client import Exchange
from apishield.probe.engine import Context
from apishield.probe.targets import Operation

#: sends one value in the parameter under test (the injection check's sender)
Send = Callable[[Any], Awaitable[Exchange | None]]

#: a parameter naming the column (and direction) a listing is sorted by: the text after ``ORDER BY``, where quotes
#: and boolean suffixes say nothing (``ORDER BY price OR 1=1`` sorts by a constant, as ``OR 1=2`` does)
ORDER_HINT = re.compile(r"(?i)^(?:sort|order|ordering|sort_?by|order_?by|sort_?field|order_?field|sort_?column|"
                        r"sidx|sort_?key)$")


async def after_order_by(ctx: Context, op: Operation, name: str, send: Send, default: Any, base: Exchange) -> bool:
    """The value is placed after ``ORDER BY``: with a sort direction appended (`` ASC``, `` DESC``) it answers as
    the plain value does, with a word that is no direction (`` ASCX``, `` DESCX``) the server fails (5xx) — both
    pairs. A validator of sort fields refuses all four or none (4xx), a parser that reads the first word takes all
    four; only SQL takes the keyword and chokes on the near-miss. Where the plain value itself fails, a column
    number (``1``) is the baseline."""
    if not base.ok:
        default = "1"
        base = await send(default) or base
        if not base.ok:
            return False
    answers = [await send(f"{default}{suffix}") for suffix in (" ASC", " ASCX", " DESC", " DESCX")]
    heard = [a for a in answers if a is not None and a.status is not None]
    if len(heard) < len(answers):
        return False
    asc, ascx, desc, descx = heard
    if not (asc.status == desc.status == base.status and (ascx.status or 0) >= 500 and (descx.status or 0) >= 500):
        return False
    ctx.report(rules.SQLI_ERROR, f"{name!r} is read as SQL after ORDER BY: {default!r} with ' ASC' or ' DESC' "
               f"answered {base.status} as the plain value did, with ' ASCX' or ' DESCX' the server failed "
               f"({ascx.status}, {descx.status})", descx, op=op, parameter=name)
    return True


__all__ = ["ORDER_HINT", "after_order_by"]
