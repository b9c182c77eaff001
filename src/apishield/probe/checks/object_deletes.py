"""Deletes across identities: the second identity (or no credential) deletes a fresh object the first made for the
purpose, proven by the owner's own read of it — or, where no operation reads one object, by the owner's listing of the
collection — no longer showing it. Only objects made for the test are ever deleted."""

from __future__ import annotations

import json
from typing import Any

from apishield.probe import objects, rules
from apishield.probe.checks._util import try_send
from apishield.probe.client import Exchange, denied
from apishield.probe.engine import Context, Created, Identity, Throttled, Unsafe
from apishield.probe.targets import Operation


async def delete_across(ctx: Context, owner: Identity, other: Identity) -> None:
    """Per collection with a single-object ``DELETE`` (or an action below the object that deletes it, ``POST
    /photos/{id}/delete``): the owner creates one more object for the purpose (its own
    marker) and reads it back; the other identity deletes it; a write finding needs the owner's own read to
    answer 404 or 410 afterwards, where it showed the object before. Where no operation reads one object, the owner's
    listing of the collection is the read: it must list the object (by its id, with its marker) before and no longer
    list it after, while still answering the others. Then the same with no credential at all, on another fresh
    object, where an anonymous read of it is refused: a delete that needs no login where reading does is an
    authentication finding. Only those fresh objects are ever deleted."""
    done: set[str] = set()
    for created in list(ctx.owned_by(owner)):
        delete = ctx.delete_op(created.collection)
        read = ctx.item_op(created.collection, "GET")
        post = ctx.op_at(created.collection, "POST")
        listing = ctx.op_at(created.collection) if read is None else None
        if created.collection in done or delete is None or (read is None and listing is None) or post is None:
            continue
        done.add(created.collection)
        look = _Presence(ctx, owner, read, listing, created.collection_path or created.collection)
        # DELETE on the object, or the action below it that deletes it (``/photos/{id}/delete``)
        action = "" if delete.method == "DELETE" else "/" + delete.path.rstrip("/").rsplit("/", 1)[1]
        for deleter in (other, None):
            victim = await _fresh_object(ctx, created, owner, post, look)
            if victim is None:
                break
            where = victim.item_path + action
            with ctx.own_delete(victim.item_path):
                gone = await try_send(ctx, delete.method, where, identity=deleter, op=delete)
            if gone is None or not gone.ok or denied(gone):
                continue
            after = await look.gone(victim)
            if not after:
                continue  # still there (a soft refusal answered 2xx): nothing proven
            param = delete.path_params[-1].name if delete.path_params else None
            if deleter is not None:
                ctx.report(rules.BOLA_WRITE, f"{other.name} deleted {owner.name}'s object {victim.item_path} with "
                           f"{delete.method} {where}; {after} afterwards (it showed the object before)", gone,
                           op=delete, parameter=param)
                continue
            anon_read = await try_send(ctx, "GET", created.item_path, op=read) if read is not None else \
                await try_send(ctx, "GET", look.path, op=listing)
            if anon_read is not None and denied(anon_read):
                ctx.report(rules.AUTH_MISSING, f"an anonymous {delete.method} {where} of {owner.name}'s object "
                           f"{victim.item_path} (no credential) removed it: {after} afterwards, while reading such "
                           "an object needs a login", gone, op=delete, parameter=param)


class _Presence:
    """Whether the owner still sees an object: its own read of the object, else its listing of the collection."""

    def __init__(self, ctx: Context, owner: Identity, read: Operation | None, listing: Operation | None,
                 path: str) -> None:
        self.ctx, self.owner, self.read, self.listing, self.path = ctx, owner, read, listing, path

    async def shows(self, victim: Created, told: list[str]) -> bool:
        """The owner's read shows the object with every one of ``told`` (its listing: the record with its id)."""
        if self.read is not None:
            before = await try_send(self.ctx, "GET", victim.item_path, identity=self.owner, op=self.read)
            return before is not None and before.ok and not denied(before) and all(before.shows(v) for v in told)
        record = await self._listed(victim)
        return record is not None and all(v in json.dumps(record, ensure_ascii=False) for v in told)

    async def gone(self, victim: Created) -> str:
        """How the owner's read says the object is gone (``""`` while it is still there or the read says nothing)."""
        if self.read is not None:
            after = await try_send(self.ctx, "GET", victim.item_path, identity=self.owner, op=self.read)
            return f"{self.owner.name}'s own read answered {after.status}" \
                if after is not None and after.status in (404, 410) else ""
        listed = await self._listing()
        if listed is None or not listed[1] or any(_same_id(r, victim) for r in listed[1]):
            return ""
        return f"{self.owner.name}'s listing {self.path} no longer lists it (it still lists {len(listed[1])})"

    async def _listing(self) -> tuple[Exchange, list[dict[str, Any]]] | None:
        ex = await try_send(self.ctx, "GET", self.path, identity=self.owner, op=self.listing)
        if ex is None or not ex.ok or denied(ex) or "json" not in (ex.content_type or ""):
            return None
        return ex, objects.listed_records(ex.json())

    async def _listed(self, victim: Created) -> dict[str, Any] | None:
        listed = await self._listing()
        return next((r for r in listed[1] if _same_id(r, victim)), None) if listed is not None else None


def _same_id(record: dict[str, Any], victim: Created) -> bool:
    return any(str(record.get(k)) == str(victim.object_id) for k in objects.ID_KEYS if k in record)


async def _fresh_object(ctx: Context, created: Created, owner: Identity, post: Operation, look: _Presence
                        ) -> Created | None:
    """One more object like ``created``, made by the owner for a delete test and read back as its own; None when it
    could not be. Its own is what carries a fresh marker, or — for an object whose answers drop every text the probe
    sent — what shows every telling value the creation answered (its time stamp, its total) under a key no earlier
    object had."""
    marker = f"apishieldbola{ctx.token(8)}" if created.marker else ""
    body = {k: marker if marker and v == created.marker else v for k, v in created.body.items()}
    query = {k: marker if marker and v == created.marker else v for k, v in created.query.items()}
    if marker and marker not in (*body.values(), *query.values()):
        return None
    before_keys = {str(c.object_id) for c in ctx.created}
    try:
        made, key = await ctx.create(post, owner, body, query or None)
    except (Unsafe, Throttled):
        return None
    victim = ctx.created[-1] if ctx.created and ctx.created[-1].owner == owner.name else None
    if key is None or victim is None or str(victim.object_id) in before_keys or (
            marker and victim.marker != marker):
        return None
    record = objects.single_record(made.json())
    if marker and marker not in made.text and look.read is not None and await look.shows(victim, [marker]):
        return victim  # an answer without the marker (``{"id": 4}``), while the owner's read of the object shows it
    marked = bool(marker) and marker in made.text  # a marker the API drops proves nothing on the read
    told = [marker] if marked else objects.telling_values(record) if isinstance(record, dict) else []
    if look.listing is not None and not marked:
        told = [marker] if marker else []  # a listing shows its own fields: the id and the marker sent
    if len(told) < (1 if marked or look.listing is not None else 2) or not await look.shows(victim, told):
        return None  # not read back as the probe's own object: it is never deleted
    return victim


__all__ = ["delete_across"]
