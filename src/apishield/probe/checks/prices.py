"""Prices taken from the request: a cart line or an order stored with the price the client sent for a catalogue item
instead of the catalogue's own (OWASP API6, CWE-472: a value the server should compute, trusted from the client).

An operation that adds a catalogue item (its body names ``product_id``, ``item_id``, ``sku``…) and carries a
price-like field (``price``, ``unit_price``, ``cost``), declared or shown in the records its cart or order listing
answers, is sent by the run's first identity for an item of the catalogue with a price no honest line holds: the
catalogue's price, read first, divided by a hundred and nudged to an odd cent. The proof is a *separate* read — the
listing of the cart or orders the operation writes to — showing a line of that item at the sent price. A line at the
catalogue's price, a refused request or an echo only in the write's own answer stays quiet. The line just added is
then updated the same way where the API offers an update of one line (``PUT /cart/update/{item_id}``). Everything
written is the first identity's own cart or order.
"""

from __future__ import annotations

import re
from typing import Any

from apishield.probe import objects, rules
from apishield.probe.checks._util import number, try_send
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, Identity, check
from apishield.probe.targets import Operation, sample_body

PRICE = re.compile(r"(?i)^(unit_?|item_?|sale_?)?(price|cost)$")
ITEM_REFERENCE = re.compile(r"(?i)^(product|item|article|book|course|ticket|sku|catalog(ue)?_?item|offer)_?(id|sku)?$")
QUANTITY = re.compile(r"(?i)^(quantity|qty|count|amount_?of_?items|units)$")
#: where an added line is read back: a cart, a basket, orders
LINES = re.compile(r"(?i)(carts?|baskets?|bags?|orders?|purchases?|checkouts?)$")
WRITES_LINES = re.compile(r"(?i)(carts?|baskets?|bags?|orders?|purchases?|checkouts?)(/|$)")


def _price_of(record: dict[str, Any]) -> tuple[str, float] | None:
    return next(((k, n) for k, v in record.items() if PRICE.match(str(k)) and (n := number(v)) is not None), None)


def _names(record: dict[str, Any], reference: str, item: Any) -> bool:
    """The record is a line of ``item``: its reference field (or one named like an item reference) holds it."""
    return any(str(v) == str(item) for k, v in record.items() if k == reference or ITEM_REFERENCE.match(str(k)))


def _kind(reference: str) -> str:
    """``product_id`` → ``product``; ``sku`` → ``sku``."""
    return re.sub(r"(?i)_?(id|sku)$", "", reference) or reference


def _catalogue_op(ctx: Context, reference: str) -> Operation | None:
    """The listing of the items a reference names (``product_id`` → ``GET /products``)."""
    kind = _kind(reference).lower()
    return next((o for o in ctx.operations if o.method == "GET" and not o.path_params and not o.looks_admin()
                 and re.search(rf"(?i)/{re.escape(kind)}(e?s)?/?$", o.path)), None)


def _line_reads(ctx: Context, op: Operation) -> list[Operation]:
    """Listings that show the lines ``op`` writes: the collection its path is under (``/cart`` for ``/cart/add``)
    and, for a write under an order or checkout path, the order listings."""
    stem = op.path.split("{")[0].rstrip("/")
    reads = [o for o in ctx.operations if o.method == "GET" and not o.path_params and LINES.search(o.path.rstrip("/"))
             and (stem == o.path.rstrip("/") or stem.startswith(o.path.rstrip("/") + "/"))]
    return reads + [o for o in ctx.operations if o.method == "GET" and not o.path_params and o not in reads
                    and re.search(r"(?i)orders?/?$", o.path) and re.search(r"(?i)order|checkout|purchase", stem)]


def _line_at(data: Any, reference: str, item: Any, price: float) -> dict[str, Any] | None:
    """A record of ``data`` that names ``item`` and holds ``price``."""
    for record in _records(data):
        shown = _price_of(record)
        if _names(record, reference, item) and shown is not None and abs(shown[1] - price) < 1e-9:
            return record
    return None


def _records(data: Any, depth: int = 0) -> list[dict[str, Any]]:
    if depth > 4:
        return []
    if isinstance(data, list):
        return [r for item in data[:200] for r in _records(item, depth + 1)]
    if isinstance(data, dict):
        return [data, *(r for v in data.values() if isinstance(v, (dict, list)) for r in _records(v, depth + 1))]
    return []


def _tampered(honest: float) -> float:
    """A price no honest line of an item costing ``honest`` holds: a hundredth of it, at an odd cent."""
    low = round(honest / 100, 2) + 0.03
    return round(low if abs(low - honest) > 0.005 else honest + 0.37, 2)


def _fields(ctx: Context, op: Operation) -> tuple[str, str] | None:
    """(item reference, price field) of a write that adds a catalogue item at a price."""
    declared = list(op.body_fields)
    reference = next((n for n in declared if ITEM_REFERENCE.match(n)), None)
    price = next((n for n in declared if PRICE.match(n)), None)
    if reference is None or not WRITES_LINES.search(op.path) or op.looks_admin():
        return None
    return (reference, price or "price") if price is not None or _line_reads(ctx, op) else None


async def _read_lines(ctx: Context, reads: list[Operation], who: Identity, reference: str, item: Any,
                      price: float) -> tuple[Exchange, dict[str, Any]] | None:
    for read in reads:
        seen = await try_send(ctx, "GET", read.path, op=read, identity=who)
        if seen is not None and seen.ok and "json" in seen.content_type:
            line = _line_at(seen.json(), reference, item, price)
            if line is not None:
                return seen, line
    return None


async def _update_line(ctx: Context, add: Operation, reads: list[Operation], who: Identity, reference: str,
                       price_field: str, item: Any, honest: float) -> None:
    """The identity's own line of ``item`` updated through a one-line update with a tampered price."""
    stem = add.path.rsplit("/", 1)[0]
    update = next((o for o in ctx.operations if o.method in ("PUT", "PATCH") and len(o.path_params) == 1
                   and o.path.startswith(stem + "/") and price_field in o.body_fields), None)
    if update is None:
        return
    for read in reads:
        seen = await try_send(ctx, "GET", read.path, op=read, identity=who)
        line = next((r for r in _records(seen.json()) if _names(r, reference, item)), None) if seen and seen.ok \
            else None
        key = objects.find_id({k: v for k, v in line.items() if not ITEM_REFERENCE.match(str(k))}) if line else None
        if key is None:
            continue
        price = _tampered(honest) + 0.02
        path = update.path.replace("{" + update.path_params[0].name + "}", str(key))
        body = {price_field: price, **{n: 1 for n in update.body_fields if QUANTITY.match(n)}}
        with ctx.own_record(path):
            sent = await try_send(ctx, update.method, path, op=update, identity=who, json_body=body)
        if sent is None or not sent.ok:
            return
        found = await _read_lines(ctx, reads, who, reference, item, price)
        if found is not None:
            ctx.report(rules.CLIENT_PRICE, f"{update.key} stored the price {price:g} the request sent for {reference} "
                       f"{item!r} (the catalogue's is {honest:g}); {found[0].method} {found[0].path} shows it",
                       found[0], op=update, parameter=price_field, highlight=f"{price:g}")
        return


async def _try(ctx: Context, op: Operation, who: Identity) -> None:
    named = _fields(ctx, op)
    if named is None:
        return
    catalogue, reads = _catalogue_op(ctx, named[0]), _line_reads(ctx, op)
    if catalogue is None or not reads:
        ctx.skip("no catalogue listing to read the item's own price from, or no listing of the lines written", op)
        return
    reference, price_field = named
    listed = await try_send(ctx, "GET", catalogue.path, op=catalogue, identity=who)
    items = objects.listed_objects(listed.json()) if listed is not None and listed.ok else []
    pick = next(((objects.find_id(r), p[1]) for r in items if (p := _price_of(r)) is not None and p[1] > 0
                 and objects.find_id(r) is not None), None)
    if pick is None:
        ctx.skip(f"{catalogue.key} shows no item with a price", op)
        return
    item, honest = pick
    price = _tampered(honest)
    body = sample_body(op.body_schema, ctx.rng) if op.body_schema else {}
    typed = op.body_fields.get(reference, {}).get("type")
    body.update({reference: int(item) if typed == "integer" and str(item).isdigit() else item, price_field: price})
    body.update({n: 1 for n in op.body_fields if QUANTITY.match(n)})
    with ctx.own_write(op):
        sent = await try_send(ctx, op.method, op.path, op=op, identity=who, json_body=body)
    if sent is None or not sent.ok:
        return
    found = await _read_lines(ctx, reads, who, reference, item, price)
    if found is not None:
        ctx.report(rules.CLIENT_PRICE, f"{op.key} stored the price {price:g} the request sent for {reference} "
                   f"{item!r} (the catalogue's is {honest:g}); {found[0].method} {found[0].path} shows the line at "
                   "that price", found[0], op=op, parameter=price_field, highlight=f"{price:g}")
    await _update_line(ctx, op, reads, who, reference, price_field, item, honest)


@check("prices", rules=(rules.CLIENT_PRICE,), weight=2, phase="access", order=32)
async def prices(ctx: Context) -> None:
    """Catalogue items added to a cart or an order at a price the request names, read back from the lines."""
    ops = [op for op in ctx.operations if op.method == "POST" and not op.path_params and _fields(ctx, op)]
    if not ops:
        ctx.not_applicable("no operation adds a catalogue item to a cart or an order")
        return
    if not ctx.users:
        ctx.needs_identity("a cart or an order is read back as its owner")
        return
    ctx.plan(ops)
    for op in ops:
        await _try(ctx, op, ctx.users[0])
