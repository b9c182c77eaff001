"""BOLA: with two identities, can the second read or change an object the first one created?

Proof, not guesswork: the first identity creates an object carrying a unique marker; the second asks for it by
id. A read finding needs the marker in the second identity's 2xx answer (and an object anonymous callers are
shown too, on an operation that declares no security, is public by design: no finding). A write finding needs the second
identity's change (a fresh marker) to be visible when the owner reads the object back. Only objects the probe
created are ever written to. A delete finding needs the owner's read of an object it made for the purpose (and read
back as its own) to answer 404 or 410 after the second identity's ``DELETE``; nothing else is ever deleted.

Objects the API already holds count too, when a listing shows them to one identity only: the listings
(``GET`` without path parameters) are read by both identities; an object only the first one is shown is its own.
The second asks every single-object ``GET`` for it by id; a read finding needs the object's own telling values
(its fields, not its id) in the second identity's 2xx answer, while the same operation asked for an id that does
not exist must not show them (an answer that ignores the id proves nothing).

User-keyed records (``/users/{id}``, ``/orders/user/{id}``) are read by the second identity with the first one's
id: a finding needs the first one's user name in the answer, or — for records that do not name their user — the
very answer the first identity gets for its own id, on an operation that refuses anonymous callers and answers
the second identity's own id and an unknown id differently.
"""

from __future__ import annotations

import re
from typing import Any

from apishield.probe import objects, ownership, rules
from apishield.probe.checks._util import try_send
from apishield.probe.checks.account_deletes import account_deleted_across
from apishield.probe.checks.account_views import account_listing, listed_record, names_one_account
from apishield.probe.checks.held_objects import (
    PRIVATE_KINDS,
    collection_of,
    listed,
    unlisted,
)
from apishield.probe.checks.object_deletes import delete_across
from apishield.probe.checks.query_keys import read_by_query_key
from apishield.probe.client import Exchange, denied
from apishield.probe.engine import Context, Created, Identity, check
from apishield.probe.ownership import owned_record
from apishield.probe.targets import Operation


@check("bola", rules=(rules.BOLA_READ, rules.BOLA_WRITE, rules.AUTH_MISSING), weight=4, phase="access", order=10)
async def bola(ctx: Context) -> None:
    """Object-level authorization with two identities and ownership markers (read, write and delete)."""
    users = ctx.users
    if len(users) < 2:
        ctx.notes.append("bola: needs two identities (--auth twice, --login with two bodies, or a register op)")
        ctx.needs_identity("object-level authorization needs two identities")
        return
    owner, other = users[0], users[1]
    if objects.privileged(other.attributes):  # an administrator reading others' objects is doing its job
        if objects.privileged(owner.attributes):
            ctx.notes.append(f"bola: {owner.name} and {other.name} are both administrators (their own records say "
                             "so): neither reading the other's objects proves a broken check")
            ctx.skip("both identities are administrators")
            return
        owner, other = other, owner
    if owner.headers and owner.headers == other.headers:
        ctx.notes.append(f"bola: the login gave {owner.name} and {other.name} the same credentials "
                         f"({', '.join(owner.headers)}): the server cannot tell them apart (colliding or predictable "
                         "session tokens?), so object-level checks between them prove nothing")
        ctx.skip("the two identities present the same credentials")
        return
    ownership.learn(ctx.client.log, users)
    items = [op for op in ctx.operations if op.method == "GET" and len(op.path_params) == 1]
    if not ctx.owned_by(owner) and any(ctx.item_op(op.path) for op in ctx.operations if op.method == "POST"):
        ctx.skip("no object could be created by the first identity, so there is nothing to read across")
    ctx.plan(op for c in ctx.owned_by(owner) if (op := ctx.item_op(c.collection, "GET")) is not None)
    if not items:
        ctx.not_applicable("no operation reads a single object by id")
    for created in ctx.owned_by(owner):
        read_op = ctx.item_op(created.collection, "GET")
        if read_op is None:
            continue
        for sub_op, sub_path in [(read_op, created.item_path), *_sub_reads(ctx, read_op, created.item_path)]:
            await _read_across(ctx, sub_op, sub_path, created, owner, other)
        for method in ("PUT", "PATCH"):
            write_op = ctx.item_op(created.collection, method)
            if write_op is None:
                continue
            field = _update_field(created, write_op)
            if field is None and created.marker:  # created through query parameters: the update takes them so
                if await _write_across(ctx, write_op, created.item_path, created, owner, other, read_op,
                                       created.item_path):
                    break
                continue
            if field is None:
                continue
            marker2 = f"apishieldbola{ctx.token(8)}"
            body = {**created.body, field: marker2}
            wrote = await try_send(ctx, method, created.item_path, identity=other, op=write_op, json_body=body)
            if wrote is None or not wrote.ok:
                continue
            back = await try_send(ctx, "GET", created.item_path, identity=owner, op=read_op)
            if back is not None and back.ok and marker2 in back.text:
                ctx.report(rules.BOLA_WRITE, f"{other.name} changed {owner.name}'s object {created.item_path} "
                           f"with {method}; the owner reads back {marker2!r}", wrote, op=write_op,
                           parameter=field)
            break
    # the accounts first — a few requests each — then the objects' deletes and the listings' longer walks, so that a
    # spent share leaves the walks, not the accounts, unasked
    await _accounts_read_across(ctx, owner, other)
    await _account_written_across(ctx, owner, other)
    await account_deleted_across(ctx, other)
    await delete_across(ctx, owner, other)
    await _own_collections(ctx, owner, other)
    seen = await listed(ctx, owner, other)
    await _shown_to_everyone(ctx, owner, other, seen)
    await unlisted(ctx, owner, other)
    await read_by_query_key(ctx, owner, other)


async def _accounts_read_across(ctx: Context, owner: Identity, other: Identity) -> None:
    """Can the second identity read the first one's account record, by id or by name? A few requests per operation,
    asked before the listings' longer walks so that a spent share does not leave the accounts unasked."""
    if not owner.username or not other.username:
        return
    people: dict[str, bool] = {}  # a collection of people -> whether it holds the owner's own record under its id
    for op in ctx.operations:
        if op.method != "GET" or len(op.path_params) != 1 or op.looks_destructive():
            continue
        param = op.path_params[0].name
        shared = _shared_with_members(op.path, param)
        if shared == "content":
            continue
        path = objects.identity_path(op.path, (param,), owner.username, owner.user_id, owner.attributes)
        if path is None:  # keyed by a person's id, where the people's collection is shown to hold the owner's record
            path = objects.identity_path(op.path, (param,), owner.username, owner.user_id, owner.attributes,
                                         people=True)
            if path is None or not await _holds_own_record(ctx, _people_of(ctx, op, param), owner, people):
                continue
        ex = await try_send(ctx, "GET", path, identity=other, op=op)
        if ex is None or not ex.ok or denied(ex):
            continue
        if shared == "people" and all(_profile_only(r) for r in objects.listed_records(ex.json())):
            continue  # who follows whom, each by a public profile: what members show one another
        if owner.username not in ex.text or other.username in ex.text:
            await _same_view(ctx, op, param, owner, other, ex)
            continue
        # control: an answer that merely echoes whatever name is asked for proves nothing
        ghost = f"apishieldghost{ctx.token(6)}"
        echo = await try_send(ctx, "GET", op.path.replace("{" + param + "}", ghost), identity=other, op=op)
        if echo is not None and echo.ok and ghost in echo.text:
            continue
        # control: a public profile shown to anyone is no object-level breach (what it shows anyone is the exposure
        # checks' concern); a record with more than who someone is (a role, a balance, a hash) is not one
        anon = await try_send(ctx, "GET", path, op=op)
        if anon is not None and anon.ok and not denied(anon) and _public_profile(anon.json(), owner):
            continue
        ctx.report(rules.BOLA_READ, f"{other.name} read {owner.name}'s account record at {path}", ex, op=op,
                   parameter=param, highlight=owner.username)


#: what members of a social API show one another under an account (``/users/{id}/posts``): whether the account keeps
#: them private is its own setting, which the probe cannot see, so a read of them proves nothing; its followers and
#: followings likewise, unless the people listed carry more than a public profile (a role, a login address)
_SHARED = re.compile(r"(?i)^(?:posts?|feed|timeline|activity|likes?|comments?|photos?|media|videos?|stories|"
                     r"articles?|reviews?)$")


def _shared_with_members(path: str, param: str) -> str:
    """``"content"`` for a user's posts, likes, comments … (``/users/{id}/posts``), ``"people"`` for the people related
    to them (``/users/{id}/following``), ``""`` for anything else (the account record, its keys, its settings)."""
    base, _, rest = path.partition("{" + param + "}")
    segment = rest.strip("/").split("/")[0] if rest.strip("/") else ""
    if not segment or not base.rstrip("/").lower().endswith(objects.USER_COLLECTIONS):
        return ""
    return "content" if _SHARED.match(segment) else "people" if objects.PEOPLE_RELATIONS.match(segment) else ""


#: attributes that say who an identity is (its login's or ``/me`` answer's ``firstName``, ``email``, ``username``)
_WHO = re.compile(r"name|mail|login")


def _people_of(ctx: Context, op: Operation, param: str) -> str | None:
    """The collection of people ``op``'s parameter is keyed by: its own (``/api/patients/{id}``), or, for a parameter
    that refers to a person (``/api/records/{patientId}``), the one item read of a collection named for that person
    (``/api/patient/{id}``)."""
    base = op.path.split("{")[0].rstrip("/")
    if objects.PERSON_COLLECTION.search(base):
        return base
    named = objects.PERSON_REFERENCE.match(param)
    noun = named.group(1).lower().rstrip("s") if named else ""
    return next((b for o in ctx.operations if o.method == "GET" and len(o.path_params) == 1 and o.path.endswith("}")
                 and (b := o.path.split("{")[0].rstrip("/")).lower().endswith((f"/{noun}", f"/{noun}s"))), None) \
        if noun else None


async def _holds_own_record(ctx: Context, base: str | None, owner: Identity, people: dict[str, bool]) -> bool:
    """Whether the collection of people at ``base`` (``/api/patients``) holds the owner's own record under the
    owner's account id: asked for that id, it answers the owner a record carrying the owner's user name, e-mail or
    names its login answered (so its ids are the accounts' ids, and its sub-paths are keyed by them too)."""
    if base is None:
        return False
    if base not in people:
        people[base] = False
        who = {str(v) for k, v in owner.attributes.items() if _WHO.search(k) and isinstance(v, str) and len(v) >= 3}
        who |= {owner.username} if owner.username else set()
        mine = await try_send(ctx, "GET", f"{base}/{owner.user_id}", identity=owner) \
            if owner.user_id not in (None, "") and who else None
        record = mine.json() if mine is not None and mine.ok and not denied(mine) else None
        people[base] = isinstance(record, dict) and bool(who & set(objects.record_values(record)))
    return people[base]


#: what a public profile shows: who someone is, not what is theirs
PROFILE_FIELDS = frozenset({"id", "userid", "username", "name", "firstname", "lastname", "fullname", "displayname",
                            "nickname", "bio", "about", "avatar", "avatarurl", "image", "url", "website", "createdat",
                            "created", "joined", "email", "location", "handle", "picture", "photo", "photourl",
                            "profilepic", "profilepicture", "isprivate", "isverified", "verified", "followerscount",
                            "followingcount"})


def _profile_only(record: dict[str, Any]) -> bool:
    """A record that says who someone is and nothing of theirs: every field a profile field."""
    return all(objects.attribute_key(str(k)) in PROFILE_FIELDS for k in record)


def _public_profile(data: Any, owner: Identity) -> bool:
    """An answer that is the owner's record and holds only profile fields."""
    record = objects.account_record(data)
    return bool(record) and str(owner.username) in map(str, record.values()) and _profile_only(record)


def _update_field(created: Created, write_op: Operation) -> str | None:
    """The body field a second identity writes a fresh marker into: the one that carried the owner's marker when
    the update takes it, else a free-text field of the update's own body (an order created without any text is
    still updated through its ``status`` or ``note``); None when the update takes no such field."""
    fields = write_op.body_fields
    marked = next((k for k, v in created.body.items() if created.marker and v == created.marker), None)
    if marked is not None and (not fields or marked in fields):
        return marked
    if created.marker and marked is None:
        return None  # created through query parameters: the update is asked the same way
    return next(objects.free_text_fields(fields), None)


async def _shown_to_everyone(ctx: Context, owner: Identity, other: Identity, seen: dict[str, Exchange]) -> None:
    """A listing (``GET`` without path parameters) that shows the other identity the owner's objects: the owner's
    ownership marker, or records whose owner field names the owner and not the other identity. It must refuse
    anonymous callers (else it is public, or the authentication check's concern; unless it shows everyone records of
    a private kind naming their owners, :func:`_private_records_to_all`), and the objects must be private
    by the API's own word (its single-object read refuses the other identity) or by their nature (accounts,
    transactions, notes, messages...: :data:`PRIVATE_KINDS`); a shared feed of posts or products is left alone.
    ``seen``: the other identity's answers to the listings :func:`_listed` has already asked."""
    markers = {c.collection: c for c in ctx.owned_by(owner) if c.marker}
    for op in ctx.operations:
        if op.method != "GET" or op.path_params or op.looks_destructive():
            continue
        theirs = seen.get(op.key) or await try_send(ctx, "GET", op.path, identity=other, op=op)
        if theirs is None or not theirs.ok or denied(theirs):
            continue
        created = markers.get(op.path)
        shown = created.marker if created is not None and created.marker in theirs.text else None
        key, listed = objects.listing(theirs.json())
        people = bool(objects.PEOPLE_RELATIONS.match(key))  # the caller's followers are people, not owned objects
        records = [r for r in listed if not people and owned_record(r, owner) and not owned_record(r, other)]
        if shown is None and not records:
            continue
        anon = await try_send(ctx, "GET", op.path, op=op)
        if anon is None:
            continue
        if not denied(anon) and not _private_records_to_all(op, records, anon):
            continue  # public, or the authentication check's concern
        refused = False
        item = ctx.item_op(op.path, "GET") if created is not None else None
        if item is not None and created is not None:
            again = await try_send(ctx, "GET", created.item_path, identity=other, op=item)
            refused = again is not None and (denied(again) or again.status == 404)
            if refused:  # only when the owner is still shown it (an object deleted since refuses everyone)
                own = await try_send(ctx, "GET", created.item_path, identity=owner, op=item)
                refused = own is not None and own.ok and not denied(own)
        if not (refused or PRIVATE_KINDS.search(op.path.rstrip("/"))):
            ctx.notes.append(f"bola: {op.path} shows {other.name} objects of {owner.name}; anonymous callers are "
                             "refused, but nothing says the objects are private (a shared feed?): not reported")
            continue
        what = (f"the ownership marker {shown!r} of an object {owner.name} created" if shown
                else f"{len(records)} record(s) whose owner field names {owner.name}")
        why = "its single-object read refuses them" if refused else "records of this kind belong to one user"
        anonymous = "anonymous callers are shown them too" if not denied(anon) else "anonymous callers are refused"
        ctx.report(rules.BOLA_READ, f"{other.name}'s listing {op.path} shows {what} ({why}; {anonymous})", theirs,
                   op=op, highlight=shown or None)


def _private_records_to_all(op: Operation, records: list[dict[str, Any]], anon: Exchange) -> bool:
    """A listing anonymous callers are shown too is still a cross-user read when what it shows are records of a
    kind that belongs to one user (orders, payments, messages: :data:`PRIVATE_KINDS`) naming their owners, with more
    than who someone is (a public profile's fields), and the anonymous answer shows them as well."""
    if not records or not PRIVATE_KINDS.search(op.path.rstrip("/")) or not anon.ok:
        return False
    telling = [v for r in records for v in objects.telling_values(r)]
    return (not all(_profile_only(r) for r in records)
            and bool(telling) and all(anon.shows(v) for v in telling[:6]))


def _sub_reads(ctx: Context, item: Operation, item_path: str) -> list[tuple[Operation, str]]:
    """Reads below an object (``GET /orders/{id}/status``: static segments only) with the object's own path."""
    return [(op, item_path + op.path[len(item.path):]) for op in ctx.operations
            if op.method == "GET" and op.path.startswith(item.path + "/") and "{" not in op.path[len(item.path):]
            and not op.looks_destructive() and not op.looks_item_delete()]


def proof_of(created: Created, answer: Exchange) -> str | None:
    """What shows ``created`` in an answer: its ownership marker, or — for objects whose answers echo no marker
    (an order made only of references) — its own key when that cannot be guessed (a UUID-like key)."""
    if created.marker and created.marker in answer.text:
        return created.marker
    key = str(created.object_id)
    return key if len(key) >= 16 and key in answer.text else None


async def _read_across(ctx: Context, op: Operation, path: str, created: Created, owner: Identity, other: Identity
                       ) -> None:
    mine = await try_send(ctx, "GET", path, identity=owner, op=op)
    proof = proof_of(created, mine) if mine is not None and mine.ok and not denied(mine) else None
    if proof is None:
        return
    theirs = await try_send(ctx, "GET", path, identity=other, op=op)
    if theirs is None or not theirs.ok or denied(theirs) or proof not in theirs.text:
        return
    if proof != created.marker:  # the key is the proof: an answer that echoes whatever key is asked proves nothing
        ghost = path.replace(str(created.object_id), "00000000-0000-4000-8000-00000000beef")
        control = await try_send(ctx, "GET", ghost, identity=other, op=op)
        if control is None or (control.ok and not denied(control)):
            return
    if await _public(ctx, op, path, proof):
        return
    what = f"ownership marker {proof!r}" if proof == created.marker else f"its own key {proof!r}"
    ctx.report(rules.BOLA_READ, f"{other.name} read {owner.name}'s object {path} ({what} in the answer)", theirs,
               op=op, parameter=op.path_params[-1].name if op.path_params else None, highlight=proof)


async def _public(ctx: Context, op: Operation, path: str, marker: str) -> bool:
    """An object anonymous callers are shown too, on an operation that declares no security: public by design
    (a catalogue anyone may read), not another user's private object."""
    if op.secured is True:
        return False  # declared protected: an anonymous read is the authn check's finding, the cross read stays one
    anon = await try_send(ctx, "GET", path, op=op)
    if anon is None or not anon.ok or marker not in anon.text:
        return False
    return not await _private_user_tree(ctx, op, path)


async def _private_user_tree(ctx: Context, op: Operation, path: str) -> bool:
    """Whether ``path`` lies below a user's own key (``/users/{userId}/cards/…`` with the owner's id) where the API
    refuses anonymous callers on another read of the same user (``/users/{userId}/orders``): then what anyone may
    read there is that user's private data left open, not a public catalogue."""
    head = next((i for i, p in enumerate(op.path_params)
                 if objects.identity_value(p.name, "x", 1, op.path.split("{" + p.name + "}")[0]) is not None), None)
    if head is None:
        return False
    marker = "{" + op.path_params[head].name + "}"
    prefix = op.path.split(marker)[0] + marker
    value = path[len(op.path.split(marker)[0]):].split("/")[0]
    for sibling in ctx.operations:
        if (sibling.method != "GET" or sibling.path == op.path or not sibling.path.startswith(prefix + "/")
                or len(sibling.path_params) != head + 1 or sibling.looks_destructive()):
            continue
        anon = await try_send(ctx, "GET", sibling.path.replace(marker, value), op=sibling)
        if anon is not None and denied(anon):
            return True
    return False


async def _own_collections(ctx: Context, owner: Identity, other: Identity) -> None:
    """Collections keyed by the owner's own user value (``/users/{userId}/addresses`` with the owner's id): the
    other identity lists the owner's collection (a read finding needs the owner's ownership marker there, and not
    in the other identity's own collection), then adds an object to it (a write finding needs the other
    identity's fresh marker in the owner's own listing). Writes go only to the probe's own identities' records."""
    for created in ctx.owned_by(owner):
        post = ctx.op_at(created.collection, "POST")
        listing = ctx.own_listing(post) if post is not None else None
        if post is None or listing is None or not created.collection_path:
            continue
        param = listing.path_params[-1].name
        mine = await try_send(ctx, "GET", created.collection_path, identity=owner, op=listing)
        proof = proof_of(created, mine) if mine is not None and mine.ok and not denied(mine) else None
        if proof is None:
            continue
        theirs = await try_send(ctx, "GET", created.collection_path, identity=other, op=listing)
        own_path = ctx.concrete_path(listing, other)
        control = await try_send(ctx, "GET", own_path, identity=other, op=listing) if own_path else None
        if (theirs is not None and theirs.ok and not denied(theirs) and proof in theirs.text
                and own_path != created.collection_path and control is not None
                and proof not in control.text
                and not await _public(ctx, listing, created.collection_path, proof)):
            what = f"ownership marker {proof!r}" if proof == created.marker else f"its object's key {proof!r}"
            ctx.report(rules.BOLA_READ, f"{other.name} listed {owner.name}'s collection {created.collection_path} "
                       f"({what} in the answer; not in {other.name}'s own)", theirs,
                       op=listing, parameter=param, highlight=proof)
        if not created.marker:
            continue
        await _write_across(ctx, post, created.collection_path, created, owner, other, listing)
        for method in ("PUT", "PATCH"):  # no single-object GET: the owner's listing shows the change
            update = ctx.item_op(created.collection, method)
            if (update is not None and ctx.item_op(created.collection, "GET") is None
                    and await _write_across(ctx, update, created.item_path, created, owner, other, listing)):
                break


async def _write_across(ctx: Context, op: Operation, path: str, created: Created, owner: Identity,
                        other: Identity, listing: Operation, read_path: str = "") -> bool:
    """``other`` adds to (POST) or updates (PUT/PATCH) ``owner``'s collection or object at ``path`` with a fresh
    marker, in the field that carried the owner's marker (body), the query parameter that carried it at creation,
    or the first marked query parameter; the finding needs the fresh marker in the owner's own read (its listing,
    or ``read_path``)."""
    marker2 = f"apishieldbola{ctx.token(8)}"
    field = next((k for k, v in created.body.items() if v == created.marker), None)
    query = ctx.query_for(op)
    names = {p.name for p in op.params if p.location == "query"}
    carried = next((k for k, v in created.query.items() if created.marker and v == created.marker and k in names),
                   None)
    if carried is not None and field is None:
        query[carried] = created.marker
    qfield = carried or next((k for k, v in query.items() if isinstance(v, str) and v.startswith("apishield")),
                             None)
    if field is None and qfield is None:
        return False
    body = {**created.body, field: marker2} if field is not None else dict(created.body)
    if qfield is not None and field is None:
        query[qfield] = marker2
    with ctx.own_record(path):
        wrote = await try_send(ctx, op.method, path, identity=other, op=op, params=query or None,
                               json_body=body if body or not query else None)
    if wrote is None or not wrote.ok or denied(wrote):
        return False
    back = await try_send(ctx, "GET", read_path or created.collection_path, identity=owner, op=listing)
    if back is None or not back.ok or marker2 not in back.text:
        return False
    what = "added an object to" if op.method == "POST" else f"changed an object of ({op.method} {path})"
    ctx.report(rules.BOLA_WRITE, f"{other.name} {what} {owner.name}'s collection {created.collection_path}; "
               f"{owner.name}'s own read ({read_path or 'listing'}) shows {marker2!r}", wrote, op=op,
               parameter=listing.path_params[-1].name, highlight=marker2)
    return True


async def _same_view(ctx: Context, op: Operation, param: str, owner: Identity, other: Identity, theirs: Exchange
                     ) -> None:
    """A user-keyed record that does not name its user (``GET /orders/user/{id}``): the other identity, asking for
    the owner's id, is shown exactly what the owner is shown for it; the operation is protected (anonymous is
    refused), keys on the id (the other identity's own id shows something else) and the view is not empty nor
    what an id that does not exist gives. A record wrapped in an envelope (``{"response": {...}}``) is read too."""
    data = theirs.json()
    if not (objects.listed_objects(data) or (isinstance(data, dict) and objects.record_values(data))):
        return
    own = await try_send(ctx, "GET", theirs.path, identity=owner, op=op)
    if own is None or not own.ok or own.json() != data:
        return
    anon = await try_send(ctx, "GET", theirs.path, op=op)
    if anon is None or not denied(anon):
        return  # readable by anyone: public by design, or the authn check's concern
    prefix = op.path.split("{")[0]
    mine = objects.identity_value(param, other.username, other.user_id, prefix, other.attributes)
    ghost = "987654321" if str(mine).isdigit() else f"apishieldnone{ctx.token(6)}"
    for value in (mine, ghost):
        control = await try_send(ctx, "GET", op.path.replace("{" + param + "}", str(value)), identity=other, op=op)
        if control is None or (control.ok and control.json() == data):
            return  # the answer does not depend on the id
    ctx.report(rules.BOLA_READ, f"{other.name} read {theirs.path}, {owner.name}'s record, and was shown exactly what "
               f"{owner.name} is shown (anonymous callers are refused; {other.name}'s own id and an unknown id show "
               "something else)", theirs, op=op, parameter=param)


#: account fields a write across identities never touches: credentials, the keys a login or an access check reads
_KEPT_FIELDS = re.compile(rf"{objects.NEVER_MARKED.pattern}|status|active|enabled|verified")


async def _account_written_across(ctx: Context, owner: Identity, other: Identity) -> None:
    """An account record named by its key (``PUT /users/{id}``) written by the other identity at the owner's key:
    one harmless text field the owner's record shows (a name, a bio; never a credential, a login key or a
    privilege) gets a fresh marker — or, where the description declares no body and the record shows no such field,
    a field of the probe's own name (``apishield_note``), which only an update that stores what it is sent keeps; a
    write finding needs the marker in the owner's own read of its record (its single-account read, else a listing of
    accounts that shows it), and the owner then writes the old value back (a field of the probe's own stays)."""
    done = {(f.method, f.http_path) for f in ctx.findings if f.rule_id == rules.BOLA_WRITE.id}
    for op in ctx.operations:
        if op.method not in ("PUT", "PATCH") or not names_one_account(op) or (op.method, op.path) in done:
            continue
        path = objects.identity_path(op.path, (op.path_params[0].name,), owner.username, owner.user_id,
                                     owner.attributes)
        if path is None:
            continue
        reader = ctx.item_op(collection_of(op), "GET")
        listing = await account_listing(ctx, owner) if reader is None else None
        if reader is not None:
            mine = await try_send(ctx, "GET", path, identity=owner, op=reader)
            data = mine.json() if mine is not None and mine.ok and not denied(mine) else None
            record = data.get("user") if isinstance(data, dict) and isinstance(data.get("user"), dict) else data
        else:
            record = listing[1] if listing is not None else None
        if not isinstance(record, dict):
            continue
        logins = {str(v) for v in owner.login_body.values()}  # what the owner signs in with stays as it is
        declared = op.body_fields
        field = next((k for k, v in record.items() if isinstance(v, str) and not _KEPT_FIELDS.search(k)
                      and (not declared or k in declared) and v not in logins), None)
        if field is None and not op.body_schema:
            field = "apishield_note"
        if field is None:
            continue
        marker = f"apishieldbola{ctx.token(8)}"
        with ctx.own_record(path):
            wrote = await try_send(ctx, op.method, path, identity=other, op=op, json_body={field: marker})
        if wrote is None or not wrote.ok or denied(wrote):
            continue
        if listing is not None:
            back, now = await listed_record(ctx, listing[0], owner)
            shown, where = now is not None and now.get(field) == marker, listing[0].key
        else:
            back = await try_send(ctx, "GET", path, identity=owner, op=reader)
            shown, where = back is not None and back.ok and marker in back.text, f"{owner.name}'s own read"
        if back is not None and shown:
            ctx.report(rules.BOLA_WRITE, f"{other.name} changed {owner.name}'s account record {path} with "
                       f"{op.method} ({field!r}); {where} shows {marker!r}", wrote, op=op,
                       parameter=field, highlight=marker)
            if field in record:
                with ctx.own_record(path):
                    await try_send(ctx, op.method, path, identity=owner, op=op, json_body={field: record[field]})
