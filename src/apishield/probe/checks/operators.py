"""Query-operator injection outside the login: a search or filter field that passes what it is sent into a query
document honours an operator object in place of its value (``{"name": {"$ne": "x"}}`` in a JSON body,
``?name[$ne]=x`` in a query string, which Express and PHP read back as the same object).

Called by the injection check for each string field of a read-like operation (a GET, or a POST named like a search),
with its sender. A finding needs three answers listed in JSON besides the literal value's: ``$ne`` of a value no
record has answers more records than the literal value, ``$eq`` of it answers as many as the literal (the operator
is read, not ignored), and an object without an operator does not widen the answer as ``$ne`` does (a handler that
drops any value that is not a string answers every record to all three). Where ``$eq`` is not honoured as the
literal, two ``$regex`` objects that differ only in their pattern prove the operator is read instead: ``.*`` answers
more records than a pattern no value starts with, which answers no more than the literal. Reads only: an operator
never goes into an operation that could write.

A body field declared as an object without properties, named like a filter (``query``, ``filter``, ``where`` …), is a
query document the server may pass on whole: the fields of the records an empty document answers become slots inside
it (``query.username``) and get the same tests (:func:`filter_documents`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from apishield.probe import objects, rules
from apishield.probe.client import Exchange
from apishield.probe.engine import Context
from apishield.probe.targets import Operation

if TYPE_CHECKING:
    from apishield.probe.checks.injection import Sender, Slot

#: a POST that only reads: a search, query, filter, lookup or listing
READ_LIKE = re.compile(r"(?i)(search|query|filter|find|lookup|list|browse|match)")
#: a body field that holds a query document (``{"filter": {...}}``)
DOCUMENT = re.compile(r"(?i)^(query|filter|filters|where|criteria|selector|conditions?|match|find|q)$")


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
    return op.method == "GET" or (op.method == "POST" and bool(
        READ_LIKE.search(f"{op.path} {op.operation_id}") or DOCUMENT.match(slot.name.split(".")[0])))


async def query_operator(ctx: Context, slot: Slot, send: Sender, base: Exchange) -> None:
    if not applies(slot) or records(base) is None:
        return  # only where the plain value's answer lists records: nothing else can be widened
    absent = "apshnone" + "".join(send.rng.choice("0123456789abcdef") for _ in range(8))

    async def ask(operator: str, operand: str = absent) -> Exchange | None:
        if slot.location == "body":
            return await send({operator: operand})
        return await send(operand, key=f"{slot.name}[{operator}]")

    literal = records(await send(absent))
    if literal is None:
        return
    if records(await ask("$eq")) != literal:
        # $eq not read as the literal (a server that ignores the operator answers otherwise): two patterns then
        everything, nothing = await ask("$regex", ".*"), records(await ask("$regex", "^" + absent))
        every = records(everything)
        if everything is not None and every is not None and nothing is not None and every > nothing \
                and nothing <= literal:
            ctx.report(rules.QUERY_OPERATOR, f"{slot.name!r}: {{'$regex': '.*'}} answered {every} record(s) and a "
                       f"pattern no value starts with {nothing}, as the value itself answered {literal}: the "
                       "operator is read", everything, op=slot.op, parameter=slot.name)
        return
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


def document_fields(op: Operation) -> list[str]:
    """The body fields of ``op`` declared as objects without properties and named like a query document."""
    props = (op.body_schema or {}).get("properties")
    return [str(name) for name, sub in (props.items() if isinstance(props, dict) else ())
            if isinstance(sub, dict) and sub.get("type", "object") == "object" and not sub.get("properties")
            and DOCUMENT.match(str(name))]


def record_fields(ex: Exchange | None) -> list[str]:
    """Fields holding text in the records a JSON answer lists, name-like ones first (at most two)."""
    data = ex.json() if ex is not None and ex.ok and "json" in ex.content_type else None
    listed = data if isinstance(data, list) else objects.listed_objects(data) if isinstance(data, dict) else []
    first = next((r for r in listed if isinstance(r, dict)), {})
    names = [str(k) for k, v in first.items() if isinstance(v, str) and not re.search(r"(?i)pass|hash|token", str(k))]
    return sorted(names, key=lambda k: not re.search(r"(?i)name|mail|title|role", k))[:2]


async def filter_documents(ctx: Context, op: Operation, sender_for: Callable[[str], Sender]) -> None:
    """Query-document fields of ``op``: an empty document first; the text fields of the records it answers become
    slots inside the document, each tested as :func:`query_operator` tests a field."""
    for field in document_fields(op)[:2]:
        whole = sender_for(field)
        for name in record_fields(await whole({})):
            send = sender_for(f"{field}.{name}")
            base = await send(send.default)
            if base is not None and base.status is not None:
                await query_operator(ctx, send.slot, send, base)
