"""BOLA on objects the API already holds (seeded records, other users' data), not ones the probe created: those a
listing shows to one identity only, those whose owner field names one identity, and those of a private kind no
listing shows, asked for by a small id — or, when no record names an identity (its user id unknown), records of a
one-person kind whose owner fields name two different people, both served to one identity. An object is asked for by
its id or by the field its reads are keyed by (``GET /documents/{doc_token}``), in the path or in the body of a
``POST`` named for reading (``POST /profiles/view`` with ``profile_id``). Part of the ``bola`` check (:mod:`.bola`),
which calls these after its own objects have been tried. A held object the other identity could read is also updated
by it with a fresh marker in a free-text field, reported when the owner reads the marker back, and then given back
its value by the owner; it is never deleted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from apishield.probe import objects, ownership, rules
from apishield.probe.checks._util import try_send
from apishield.probe.checks.query_keys import USER_KEY
from apishield.probe.client import Exchange, denied
from apishield.probe.engine import Context, Identity
from apishield.probe.ownership import owned_record
from apishield.probe.targets import Operation

#: collections whose objects belong to one user by their nature (money, correspondence, personal records); a
#: feed of posts, products or comments may be shared with every signed-in user on purpose
PRIVATE_KINDS = re.compile(r"(?i)(?:^|[-_/])(?:accounts?|transactions?|transfers?|payments?|notes?|orders?|"
                           r"messages?|cards?|addresses|documents?|invoices?|wallets?|balances?|statements?|"
                           r"bookings?|reservations?|loans?|beneficiar(?:y|ies)|contacts?|patients?|appointments?|"
                           r"prescriptions?|(?:medical[-_]?)?records?|diagnos[ie]s|profiles?|payslips?|"
                           r"salar(?:y|ies)|tickets?|expenses?|receipts?|reimbursements?|purchases?|bills?)$")
def collection_of(op: Operation) -> str:
    """The collection a single-object operation's path names (``/api/orders/{id}`` -> ``/api/orders``)."""
    return op.path[:op.path.rindex("{")].rstrip("/")


#: small ids asked of single-object reads whose objects no listing shows (seeded records are numbered from one)
UNLISTED_IDS = tuple(range(1, 7))
#: a query parameter that names one object by its id (``?id=1``, ``?order_id=1``); a user key is another check's
_OBJECT_ID_QUERY = re.compile(r"(?i)^(?:id|\w+_id|\w+Id)$")
#: a last path segment that only says "read one" (``/api/orders/view.php``, ``/orders/detail``): the kind is before it
_READ_ONE = re.compile(r"(?i)^(?:view|get|show|detail|details|read|info|item|one|fetch)(?:\.\w+)?$")


@dataclass(frozen=True)
class KeyedRead:
    """A single-object read and where it takes the object's id: a path parameter (``/orders/{id}``) or a query
    parameter (``/api/orders/view.php?id=1``)."""

    op: Operation
    param: str
    in_query: bool

    @property
    def kind(self) -> str:
        """The path naming the kind of object read (``/api/orders``)."""
        if not self.in_query:
            return collection_of(self.op)
        path = self.op.path.rstrip("/")
        head, _, last = path.rpartition("/")
        return head if _READ_ONE.match(last) else path

    def at(self, key: str) -> tuple[str, dict[str, str] | None]:
        """The path and query that ask for the object ``key``."""
        if self.in_query:
            return self.op.path, {self.param: key}
        return self.op.path.replace("{" + self.param + "}", key), None

    def shown(self, key: str) -> str:
        path, query = self.at(key)
        return f"{path}?{self.param}={key}" if query else path

    async def ask(self, ctx: Context, key: str, who: Identity | None) -> Exchange | None:
        path, query = self.at(key)
        return await try_send(ctx, "GET", path, identity=who, op=self.op, params=query)


def _served(anon: Exchange, values: list[str]) -> bool:
    """An anonymous request was answered the record: a success showing its values (a refusal, a redirect to the login
    page or an answer without them serves nobody the record)."""
    return anon.ok and not denied(anon) and all(anon.shows(v) for v in values)


async def _read_by_its_id(ctx: Context, read: KeyedRead, key: str, values: list[str], who: Identity) -> str | None:
    """Whether the record ``key`` with ``values`` is answered because of its id and to signed-in callers: an id
    nobody has is not answered with them (asked by ``who``; an answer that ignores the id proves nothing), and an
    anonymous request for ``key`` is not served them where the description says the read needs credentials (that is
    the missing-authentication finding; where it declares the read open or says nothing, no other check looks at it,
    and another person's private record handed to anyone is a read across all the same). Returns what to add to the
    finding's message ("" or that anonymous callers are answered too), None when the read is not proven."""
    control = await read.ask(ctx, "987654321", who)
    anon = await read.ask(ctx, key, None)
    if control is None or (control.ok and any(control.shows(v) for v in values)) or anon is None:
        return None
    served = _served(anon, values)
    if served and read.op.secured is True:
        return None
    return "; anonymous callers are answered it too" if served else ""


def keyed_reads(ctx: Context) -> list[KeyedRead]:
    """The single-object reads of private kinds whose numeric id the caller chooses, in the path or in the query."""
    out = []
    for op in ctx.operations:
        if op.method != "GET" or op.looks_destructive():
            continue
        if len(op.path_params) == 1:
            read = KeyedRead(op, op.path_params[0].name, False)
            numeric = op.path_params[0].schema.get("type") in (None, "integer", "number")
        elif not op.path_params:
            ids = [p for p in op.params if p.location == "query" and p.required and _OBJECT_ID_QUERY.match(p.name)
                   and not USER_KEY.match(p.name)]
            if len(ids) != 1:
                continue
            read = KeyedRead(op, ids[0].name, True)
            numeric = ids[0].schema.get("type") in (None, "integer", "number")
        else:
            continue
        if numeric and PRIVATE_KINDS.search(read.kind):
            out.append(read)
    return out


async def unlisted(ctx: Context, owner: Identity, other: Identity) -> None:
    """Objects the API already holds that no listing shows: the owner asks private-kind single-object reads
    (:data:`PRIVATE_KINDS`, numbered ids in the path or in an ``?id=`` query) for small ids and its own user id; a
    record whose owner field names the owner and not the other identity is then asked by the other identity. A read
    finding needs the record's own telling values in the other identity's 2xx answer, anonymous callers not served
    them (refused, or sent to the login page; unless the description declares the read open or is silent about it,
    so that no missing-authentication test covers it), and an id that does not exist not answered with them (an
    answer that ignores the id proves nothing). Where no record could be matched to the owner, records of two
    different owners it was served are asked about by :func:`_mixed_owners`."""
    done = {(f.method, f.http_path) for f in ctx.findings if f.rule_id == rules.BOLA_READ.id}
    for read in keyed_reads(ctx):
        op, param = read.op, read.param
        if (op.method, op.path) in done:
            continue
        ids = [*UNLISTED_IDS, *([owner.user_id] if str(owner.user_id).isdigit() else []),
               *sorted(k for keys in owner.owns.values() for k in keys if k.isdigit())]
        served: dict[tuple[str, str], tuple[str, Exchange, dict[str, Any]]] = {}  # (owner field, value) -> answer
        settled = False  # the owner's record was asked by the other identity: that answer decides the operation
        for key in dict.fromkeys(str(i) for i in ids):
            mine = await read.ask(ctx, key, owner)
            data = mine.json() if mine is not None and mine.ok and not denied(mine) else None
            # one record, or a person's records listed under its key (``/prescriptions/patient/{patient_id}``)
            record = objects.single_record(data) if isinstance(data, dict) else next(
                (r for r in objects.listed_objects(data) if owned_record(r, owner) and not owned_record(r, other)),
                None)
            named = _person_owner(record) if isinstance(data, dict) and isinstance(record, dict) else None
            if named is not None and mine is not None and isinstance(record, dict):
                served.setdefault(named, (key, mine, record))
            if not isinstance(record, dict) or not owned_record(record, owner) or owned_record(record, other):
                continue
            settled = True
            values = [v for v in objects.telling_values(record) if v not in (str(owner.user_id), owner.username)]
            got = await read.ask(ctx, key, other)
            if not values or got is None or not got.ok or denied(got) or not all(got.shows(v) for v in values):
                break  # the read keeps the owner's record from the other identity: the operation holds
            anyone = await _read_by_its_id(ctx, read, key, values, other)
            if anyone is None:
                break
            ctx.report(rules.BOLA_READ, f"{other.name} read {read.shown(key)}, a record whose owner field names "
                       f"{owner.name} (asked by a small id; {len(values)} of its own values in the answer{anyone})",
                       got, op=op, parameter=param, highlight=values[0])
            if not read.in_query:
                await _written_across(ctx, op, read.at(key)[0], record, owner, other)
            break
        if not settled and (op.method, op.path) not in done:
            await _mixed_owners(ctx, read, owner, served)


#: owner fields that name one person (a creator field may name a colleague in a shared space: left out)
_PERSON_OWNER_FIELDS = ("user_id", "userId", "owner_id", "ownerId", "owner", "customer_id", "customerId",
                        "account_owner")
#: private kinds whose records belong to one person even inside a team (a profile or a contact may be public)
_ONE_PERSON_KINDS = re.compile(r"(?i)(?:^|[-_/])(?:transactions?|transfers?|payments?|notes?|orders?|messages?|"
                               r"cards?|invoices?|wallets?|balances?|statements?|bookings?|reservations?|loans?|"
                               r"prescriptions?|payslips?|salar(?:y|ies)|expenses?|receipts?|purchases?|bills?)$")


def _person_owner(record: dict[str, Any]) -> tuple[str, str] | None:
    """The record's owner field naming one person, and its value (``("owner_id", "2")``)."""
    for name in _PERSON_OWNER_FIELDS:
        value = record.get(name)
        if isinstance(value, (int, str)) and not isinstance(value, bool) and str(value).strip():
            return name, str(value)
    return None


async def _mixed_owners(ctx: Context, read: KeyedRead, owner: Identity,
                        served: dict[tuple[str, str], tuple[str, Exchange, dict[str, Any]]]) -> None:
    """One ordinary identity was served records of a one-person kind (:data:`_ONE_PERSON_KINDS`: invoices, orders,
    payments…) whose owner field names two different people: whoever it is, at least one of them is someone
    else's. Asked when no record it was served could be matched to it (its user id unknown, or named by none). A
    finding needs anonymous callers refused one of the records (unless the description is silent or declares the
    read open) and an id that does not exist not answered with either record's values."""
    if not _ONE_PERSON_KINDS.search(read.kind):
        return
    by_field: dict[str, list[tuple[str, str, Exchange, dict[str, Any]]]] = {}
    for (field, value), (key, answer, record) in served.items():
        by_field.setdefault(field, []).append((value, key, answer, record))
    for field, seen in by_field.items():
        if len(seen) < 2:
            continue
        mine = [s for s in seen if s[0] in {str(owner.user_id), str(owner.username)}]
        first, second = (mine[0], next(s for s in seen if s is not mine[0])) if mine else (seen[0], seen[1])
        values = [v for v in objects.telling_values(second[3]) if v != second[0]]
        if not values:
            continue
        anyone = await _read_by_its_id(ctx, read, second[1], values, owner)
        if anyone is None:
            return
        ctx.report(rules.BOLA_READ, f"{owner.name} read {read.shown(first[1])} and {read.shown(second[1])}, records "
                   f"whose owner field '{field}' names two different people ({first[0]} and {second[0]}): at least "
                   f"one is another user's (asked by small ids{anyone})", second[2], op=read.op,
                   parameter=read.param, highlight=values[0])
        return


async def listed(ctx: Context, owner: Identity, other: Identity) -> dict[str, Exchange]:
    """Objects only the owner is shown in a listing, and records of a private kind whose owner field names the owner
    (pre-existing objects), read by id as the other identity. Returns the other identity's answers to the listings
    it asked, by operation."""
    answers: dict[str, Exchange] = {}
    theirs_seen: set[str] = set()
    own: list[dict[str, Any]] = []
    listed_at: dict[int, str] = {}  # the listing that showed each object, to try it first at that collection's reads
    items = [op for op in ctx.operations if op.method == "GET" and len(op.path_params) == 1
             and not op.looks_destructive()]
    readers = [(op, op.path_params[0].name) for op in items] + body_keyed_reads(ctx)
    # an object is asked for by its id, or by the field its reads name (``{doc_token}`` of a document)
    keys = [param for _op, param in readers]

    def key_of(o: dict[str, Any]) -> Any:
        return next((k for k in (objects.find_id(o), *(objects.object_key(o, p) for p in keys)) if k is not None),
                    None)

    for op in ctx.operations:
        if op.method != "GET" or op.path_params or op.looks_destructive() or len(own) >= 20:
            continue
        mine = await try_send(ctx, "GET", op.path, identity=owner, op=op)
        other_list = await try_send(ctx, "GET", op.path, identity=other, op=op)
        if other_list is not None:
            answers[op.key] = other_list
        if mine is None or other_list is None or not mine.ok or denied(mine):
            continue
        theirs = objects.listed_objects(other_list.json()) if other_list.ok else []
        theirs_seen |= {str(key_of(o)) for o in theirs}
        theirs_seen |= {v for o in theirs for v in objects.telling_values(o)}
        shown = [o for o in objects.listed_objects(mine.json()) if key_of(o) is not None]
        listed_at.update((id(o), op.path.rstrip("/")) for o in shown)
        own += shown
    ownership.learn(ctx.client.log, ctx.users)
    mine_only = {id(o) for o in own if str(key_of(o)) not in theirs_seen
                 and [v for v in objects.telling_values(o) if v not in theirs_seen]}
    # records whose owner field names the owner, even where a listing shows them to everyone: read one by id, of a
    # private kind, they are the owner's own (``GET /orders/{id}`` of an order naming its buyer)
    named = {id(o) for o in own if owned_record(o, owner) and not owned_record(o, other)}
    own = [o for o in own if id(o) in mine_only or id(o) in named]
    if not own:
        return answers
    mine_names = {str(owner.user_id), str(owner.username)}
    for op, param in readers[:12]:
        where = collection_of(op) if op.path_params else op.path.rsplit("/", 1)[0]
        private = bool(PRIVATE_KINDS.search(where))
        for obj in sorted(own, key=lambda o: listed_at.get(id(o)) != where)[:3]:
            if id(obj) not in mine_only and not private:
                continue  # shown to everyone and of a kind that may be shared: proves nothing
            key = str(objects.object_key(obj, param, where))
            values = [v for v in objects.telling_values(obj)
                      if (v not in theirs_seen or id(obj) not in mine_only) and v not in mine_names]
            if not values:
                continue
            mine = await _ask(ctx, op, param, key, owner)
            if mine is None or not mine.ok or denied(mine):
                continue
            # a listing may join more than the object's own read shows (an order's buyer and product names):
            # the values that read shows are the object's, if they are most of them and at least two
            read_back = [v for v in values if mine.shows(v)]
            if len(read_back) < min(len(values), max(2, (len(values) + 1) // 2)):
                continue  # not this object's operation
            values = read_back
            got = await _ask(ctx, op, param, key, other)
            if got is None or not got.ok or denied(got) or not all(got.shows(v) for v in values):
                break
            control = await _ask(ctx, op, param, "987654321" if key.isdigit() else "apishieldnone", other)
            if control is not None and control.ok and any(control.shows(v) for v in values):
                break
            how = (f"an object only {owner.name} is shown in its listings" if id(obj) in mine_only
                   else f"a record whose owner field names {owner.name}")
            asked = got.path if op.path_params else f"{op.path} with {param}={key}"
            ctx.report(rules.BOLA_READ, f"{other.name} read {asked}, {how} ({len(values)} of its own values in the "
                       "answer)", got, op=op, parameter=param, highlight=values[0])
            if op.path_params:
                await _written_across(ctx, op, got.path, obj, owner, other)
            break
    return answers


async def _written_across(ctx: Context, read: Operation, path: str, record: dict[str, Any], owner: Identity,
                          other: Identity) -> None:
    """``other`` updates ``owner``'s held ``record`` at ``path`` (read across already) with a fresh marker in a
    free-text field both the record and the update carry, the rest of the body the record's own values; a write
    finding needs the marker in the owner's own read afterwards. The owner then writes its value back."""
    for method in ("PUT", "PATCH"):
        update = ctx.item_op(collection_of(read), method)
        fields = update.body_fields if update is not None else {}
        field = next((k for k in objects.free_text_fields(fields) if isinstance(record.get(k), str)), None)
        if update is None or field is None:
            continue
        marker = f"apishieldbola{ctx.token(8)}"
        body = {k: record[k] for k in fields if k in record}
        with ctx.own_record(path):
            wrote = await try_send(ctx, method, path, identity=other, op=update, json_body={**body, field: marker})
        if wrote is None or not wrote.ok or denied(wrote):
            return
        back = await try_send(ctx, "GET", path, identity=owner, op=read)
        if back is not None and back.ok and marker in back.text:
            ctx.report(rules.BOLA_WRITE, f"{other.name} changed {owner.name}'s record {path} with {method}; "
                       f"{owner.name}'s own read shows {marker!r} in '{field}'", wrote, op=update,
                       parameter=update.path_params[-1].name if update.path_params else None, highlight=marker)
        with ctx.own_record(path):  # the owner's value back, whatever the write did
            await try_send(ctx, method, path, identity=owner, op=update, json_body=body)
        return


#: a ``POST`` that reads one object named in its body (``POST /profiles/view {"profile_id": ...}``)
_READ_ACTION = re.compile(r"(?i)/(?:view|get|read|show|details?|fetch|lookup|find|info|open)(?:[-_]\w+)?/?$")
_KEY_FIELD = re.compile(r"(?i)(?:^id|_id|Id|_token|token|uuid|_key|_ref|number)$")


def body_keyed_reads(ctx: Context) -> list[tuple[Operation, str]]:
    """``POST`` operations named for reading that take one object key in their body: each with that field."""
    out: list[tuple[Operation, str]] = []
    for op in ctx.operations:
        if op.method != "POST" or op.path_params or op.looks_destructive() or not _READ_ACTION.search(op.path):
            continue
        keys = [name for name in op.body_fields if _KEY_FIELD.search(name)]
        if len(keys) == 1:
            out.append((op, keys[0]))
    return out


async def _ask(ctx: Context, op: Operation, param: str, key: str, identity: Identity) -> Exchange | None:
    """One object's read by ``key``: in the path (``GET /documents/{doc_token}``) or in the body of a reading
    ``POST``."""
    if op.path_params:
        return await try_send(ctx, "GET", op.path.replace("{" + param + "}", key), identity=identity, op=op)
    body = {**(ctx.body_for(op) or {}), param: key}
    return await try_send(ctx, "POST", op.path, identity=identity, op=op, json_body=body)


__all__ = ["PRIVATE_KINDS", "collection_of", "listed", "unlisted"]
