"""Query-operator injection outside the login: a search or filter field that passes what it is sent into a query
document honours an operator object in place of its value (``{"name": {"$ne": "x"}}`` in a JSON body,
``?name[$ne]=x`` in a query string, which Express and PHP read back as the same object).

Called by the injection check for each string field of a read-like operation (a GET, or a POST named like a search),
with its sender. A finding needs three answers listed in JSON besides the literal value's: ``$ne`` of a value no
record has answers more records than the literal value, ``$eq`` of it answers as many as the literal (the operator
is read, not ignored), and an object without an operator does not widen the answer as ``$ne`` does (a handler that
drops any value that is not a string answers every record to all three). Reads only: an operator never goes into an
operation that could write.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from apishield.probe import objects, rules
from apishield.probe.client import Exchange
from apishield.probe.engine import Context

if TYPE_CHECKING:
    from apishield.probe.checks.injection import Sender, Slot

#: a POST that only reads: a search, query, filter, lookup or listing
READ_LIKE = re.compile(r"(?i)(search|query|filter|find|lookup|list|browse|match)")


def records(ex: Exchange | None) -> int | None:
    """How many records a 2xx JSON answer lists (a top-level array, or the array an object wraps); None for any
    other answer."""
    if ex is None or not ex.ok or "json" not in ex.content_type:
        return None
    data = ex.json()
    if isinstance(data, list):
        return len(data)
    if not isinstance(data, dict):
        return None  # a JSON string, number or null lists nothing
    listed = objects.listed_objects(data)
    return len(listed) if listed or any(isinstance(v, list) for v in data.values()) else None


def applies(slot: Slot) -> bool:
    op = slot.op
    if slot.numeric or slot.location not in ("query", "body") or op.form_encoded:
        return False
    if op.looks_login() or op.looks_register() or op.looks_credential_reset():
        return False  # the login's own operators are the credentials check's
    return op.method == "GET" or (op.method == "POST" and bool(READ_LIKE.search(f"{op.path} {op.operation_id}")))


async def query_operator(ctx: Context, slot: Slot, send: Sender, base: Exchange) -> None:
    if not applies(slot) or records(base) is None:
        return  # only where the plain value's answer lists records: nothing else can be widened
    absent = "apshnone" + "".join(send.rng.choice("0123456789abcdef") for _ in range(8))

    async def ask(operator: str) -> Exchange | None:
        if slot.location == "body":
            return await send({operator: absent})
        return await send(absent, key=f"{slot.name}[{operator}]")

    literal = records(await send(absent))
    if literal is None or records(await ask("$eq")) != literal:
        return  # $eq first: a server that ignores the operator (or the bracketed name) answers otherwise, at once
    widened = await ask("$ne")
    many = records(widened)
    if widened is None or many is None or many <= literal:
        return
    plain = records(await ask("apshx"))
    if plain is not None and plain >= many:
        return
    shown: dict[str, Any] = {"$ne": absent}
    ctx.report(rules.QUERY_OPERATOR, f"{slot.name!r}: {shown} answered {many} record(s) where the value itself "
               f"answered {literal}; {{'$eq': …}} answered as the value, and an object without an operator did not "
               "widen the answer", widened, op=slot.op, parameter=slot.name)
