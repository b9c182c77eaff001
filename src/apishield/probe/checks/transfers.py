"""Money moved out of another identity's account: ``POST /transfer {"from_account": 4, "to_account": 2,
"amount": 1}`` accepted when account 4 is not the caller's.

Both accounts belong to the probe's own identities, and one unit moves, then moves back. The proof is the
second identity's **own** read of its balance, before and after: it fell by exactly the amount the first
identity sent. A transfer the API refuses, a balance that does not move (the server debits the caller whatever
the body says) or accounts the probe cannot tell apart stay quiet; where no balance can be read the operation
is reported as not tested, never as safe.
"""

from __future__ import annotations

import re
from typing import Any

from apishield.probe import objects, rules
from apishield.probe.checks._util import number, try_send
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, Identity, check
from apishield.probe.targets import Operation, sample_body

SOURCE = re.compile(r"(?i)^(from|source|src|sender|debit|payer|origin)_?(account|acct|wallet|card|iban)?_?"
                    r"(id|number|num|no|iban)?$")
DESTINATION = re.compile(r"(?i)^(to|dest|destination|target|recipient|receiver|beneficiary|credit|payee)_?"
                         r"(account|acct|wallet|card|iban)?_?(id|number|num|no|iban)?$")
AMOUNT = re.compile(r"(?i)^(amount|amt|value|sum|total|money)$")
ACCOUNTISH = re.compile(r"(?i)(accounts?|wallets?|cards?|balances?)$")
BALANCE = re.compile(r"(?i)^(balance|available_?balance|current_?balance|funds|available)$")
OWNER = re.compile(r"(?i)^(user_?id|owner_?id|owner|user|username|customer_?id|holder)$")


def transfer_fields(op: Operation) -> tuple[str, str | None, str] | None:
    """(source, destination, amount) field names of a body that moves an amount out of a named account."""
    names = list(op.body_fields)
    source = next((n for n in names if SOURCE.match(n)), None)
    amount = next((n for n in names if AMOUNT.match(n)), None)
    if source is None or amount is None:
        return None
    return source, next((n for n in names if DESTINATION.match(n)), None), amount


def balance_of(record: dict[str, Any]) -> float | None:
    for key, value in record.items():
        if BALANCE.match(key) and number(value) is not None:
            return number(value)
    return None


def balance_records(data: Any, depth: int = 0) -> list[dict[str, Any]]:
    """The objects with a balance in an answer: a listing, one record, or either inside an envelope
    (``{"account": {...}}``, ``{"data": {"accounts": [...]}}``)."""
    if depth > 3:
        return []
    if isinstance(data, list):
        return [r for r in data[:200] if isinstance(r, dict) and balance_of(r) is not None]
    if not isinstance(data, dict):
        return []
    if balance_of(data) is not None:
        return [data]
    return [r for value in data.values() for r in balance_records(value, depth + 1)]


def owned_by(record: dict[str, Any], who: Identity) -> bool:
    """Whether an owner field of the record names ``who`` (its id, user name or e-mail)."""
    names = {str(v) for v in (who.user_id, who.username, who.attributes.get("email")) if v not in (None, "")}
    return any(OWNER.match(k) and str(v) in names for k, v in record.items())


def key_for(field: str, record: dict[str, Any]) -> str | None:
    """The record's field a body reference ``field`` names: ``from_account_number`` → ``account_number`` or
    ``number``; ``from_account_id``/``from`` → ``id``/``account_id`` first."""
    wants_number = re.search(r"(?i)(number|num|no|iban)$", field) is not None
    order = (("account_number", "number", "iban", "account_no", "card_number", "account_id", "id") if wants_number
             else ("id", "account_id", "account_number", "number", "iban", "_id", "uuid"))
    return next((k for k in order if isinstance(record.get(k), (int, str)) and not isinstance(record.get(k), bool)),
                None)


def _keys_an_account(path: str) -> bool:
    """A path parameter right after an accounts segment (``/accounts/{account_id}``): it names one account, not
    the identity whose accounts are listed — filled with the identity's id it would read someone's account."""
    parts = path.strip("/").split("/")
    return any("{" in part and i > 0 and ACCOUNTISH.search(parts[i - 1]) for i, part in enumerate(parts))


class Accounts:
    """Where an identity reads its own accounts: GET operations named like accounts, without path parameters
    (``/api/accounts``) or keyed by the identity itself (``/api/account/user/{id}``, ``/api/users/{id}/accounts``);
    never one account by its own key (``/api/accounts/{id}``)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.ops = [o for o in ctx.operations if o.method == "GET" and not o.looks_destructive() and (
            ACCOUNTISH.search(o.path.rstrip("/").rsplit("/", 1)[-1]) if not o.path_params else
            any(ACCOUNTISH.search(part) for part in o.path.split("/") if "{" not in part)
            and not _keys_an_account(o.path))]
        self.ops.sort(key=lambda o: len(o.path_params))

    async def read(self, who: Identity) -> tuple[Operation, Exchange, list[dict[str, Any]]] | None:
        for op in self.ops:
            path = objects.identity_path(op.path, (p.name for p in op.path_params), who.username, who.user_id,
                                         who.attributes)
            if path is None:
                continue
            ex = await try_send(self.ctx, "GET", path, op=op, identity=who)
            if ex is None or not ex.ok or "json" not in ex.content_type:
                continue
            records = balance_records(ex.json())
            if records:
                return op, ex, records
        return None

    async def own(self, who: Identity, other: Identity) -> list[dict[str, Any]] | None:
        """``who``'s accounts: those whose owner field names it, or else those its listing shows and ``other``'s
        does not (a listing of everyone's accounts without owners tells nothing)."""
        mine, theirs = await self.read(who), await self.read(other)
        if mine is None:
            return None
        named = [r for r in mine[2] if owned_by(r, who)]
        if named:
            return named
        if theirs is None:
            return None
        seen = {objects.find_id(r) for r in theirs[2]}
        only = [r for r in mine[2] if objects.find_id(r) not in seen]
        return only or None


def _typed(value: Any, schema: Any) -> Any:
    kind = schema.get("type") if isinstance(schema, dict) else None
    if kind == "integer" and isinstance(value, str) and value.isdigit():
        return int(value)
    if kind == "string" and not isinstance(value, str):
        return str(value)
    return value


async def _balance(accounts: Accounts, who: Identity, key: str, value: Any) -> float | None:
    read = await accounts.read(who)
    if read is None:
        return None
    return next((balance_of(r) for r in read[2] if str(r.get(key)) == str(value)), None)


async def _transfer(ctx: Context, op: Operation, who: Identity, fields: dict[str, Any]) -> Exchange | None:
    body = {k: v for k, v in (sample_body(op.body_schema, ctx.rng) if op.body_schema else {}).items()
            if "pass" not in k.lower()}
    body.update(fields)
    with ctx.own_write(op):
        return await try_send(ctx, op.method, op.path, op=op, identity=who, json_body=body)


async def _try(ctx: Context, op: Operation, accounts: Accounts, me: Identity, other: Identity) -> None:
    named = transfer_fields(op)
    if named is None:
        return
    source, destination, amount = named
    schemas = op.body_fields
    theirs = await accounts.own(other, me)
    mine = await accounts.own(me, other)
    if not theirs or (destination is not None and not mine):
        ctx.skip(f"cannot tell {other.name}'s accounts from {me.name}'s (no owner field, or one listing for all)",
                 op)
        return
    key = key_for(source, theirs[0])
    if key is None:
        ctx.skip("no account key to name the source account with", op)
        return
    their_value = theirs[0][key]
    before = balance_of(theirs[0])
    fields: dict[str, Any] = {source: _typed(their_value, schemas.get(source)), amount: 1}
    back: dict[str, Any] = {amount: 1}
    if destination is not None and mine:
        dest_key = key_for(destination, mine[0]) or key
        fields[destination] = _typed(mine[0].get(dest_key), schemas.get(destination))
        back.update({source: fields[destination], destination: fields[source]})
    sent = await _transfer(ctx, op, me, fields)
    if sent is None or not sent.ok:
        return
    after = await _balance(accounts, other, key, their_value)
    if before is None or after is None or abs((before - after) - 1) > 1e-6:
        return
    ctx.report(rules.BOLA_WRITE, f"{me.name} moved 1 out of {other.name}'s account ({source}={their_value!r}); "
               f"{other.name}'s own read shows its balance {before:g} → {after:g}", sent, op=op, parameter=source)
    if destination is not None:
        await _transfer(ctx, op, me, back)  # the unit goes back from the first identity's own account


@check("transfers", rules=(rules.BOLA_WRITE,), weight=2, phase="access", order=26)
async def transfers(ctx: Context) -> None:
    """Transfers out of another identity's account, read back in that identity's own balance."""
    ops = [op for op in ctx.operations if op.method in ("POST", "PUT") and not op.path_params
           and transfer_fields(op) is not None and not op.looks_login() and not op.looks_register()]
    if not ops:
        ctx.not_applicable("no operation moves an amount out of an account named in its body")
        return
    if len(ctx.users) < 2:
        ctx.needs_identity("a transfer from another identity's account needs two identities")
        return
    accounts = Accounts(ctx)
    ctx.plan(ops)
    if not accounts.ops:
        for op in ops:
            ctx.skip("no operation lists an identity's accounts with a balance to read the transfer back", op)
        return
    for op in ops:
        await _try(ctx, op, accounts, ctx.users[0], ctx.users[1])
