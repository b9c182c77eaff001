"""Updates by path of records that already exist, written only where the probe's own identities are concerned:
``PATCH /users/{id}`` with one of its identities' ids, ``PATCH /products/{id}`` on an object one of them owns.

* **object level (BOLA write)** — the first identity updates the *second identity's* record by path id
  (``PATCH /users/{B's id}``), setting a plain string field (a description, a display name, else the e-mail when
  the second identity does not log in with it) to a fresh marker; the finding needs the marker in the second
  identity's own read of its record, and the old value is written back at once. User-naming fields (user name,
  login), passwords and privilege fields are never changed.
* **mass assignment on updates** — on an object the first identity owns (one it created, or one a listing shows
  with the identity as its owner: ``seller_id``, ``owner: {"id": …}`` …) a moderation or privilege field the
  object shows (``blocked``, ``approved``, ``verified``, ``featured``, ``role``, ``is_admin`` …) is set to another
  value (a boolean flipped, or a value the API itself names) and read back, then restored; its owner field
  (``user_id`` naming the first identity) is set to the second identity's id and read back, then handed back by
  the second identity; on the identity's own user record only privilege fields with values the API names (never
  ``blocked``-like fields, which could lock the identity out). Two or three requests per object and field, plus
  the restore. The caller's own record counts whether its path names the caller's id (``/users/{id}``), names no
  one (``PUT /auth/me`` read back by ``GET /auth/me``), or sets one privilege field by a path of its own (``POST
  /users/{id}/role`` read back at ``GET /users/{id}``); a role field the API names no other value for is tried with
  the administrator's (``admin``), which cannot lock the identity out.
"""

from __future__ import annotations

import re
from typing import Any

from apishield.probe import objects, rules
from apishield.probe.checks._util import try_send
from apishield.probe.checks.query_keys import USER_KEY, key_value
from apishield.probe.checks.references import PRIVILEGE, _known_values
from apishield.probe.client import Exchange, denied
from apishield.probe.engine import Context, Identity, check
from apishield.probe.targets import OWN_ACCOUNT, SELF_PATH, Operation

MODERATION = re.compile(r"(?i)^(is_?)?(blocked|banned|suspended|approved|verified|featured|flagged|moderated|"
                        r"trusted|premium|vip|hidden_by_admin)$")
OWNER_REF = re.compile(r"(?i)^(seller|owner|user|author|creator|vendor|created_?by|posted_?by)(_?id)?$")
USER_NAMING = re.compile(r"(?i)(user_?name|login|handle|^name$|e-?mail|pass|secret|token)")
MAX_OBJECTS = 3
ROLE_FIELD = re.compile(r"(?i)^(user_?)?role$")
PLAIN = re.compile(r"[A-Za-z][\w -]{0,30}")


def _dict(ex: Exchange | None) -> dict[str, Any] | None:
    data = ex.json() if ex is not None and ex.ok and not denied(ex) else None
    if isinstance(data, dict) and isinstance(data.get("user"), dict) and "id" not in data:
        data = data["user"]
    return data if isinstance(data, dict) else None


class Updater:
    """One update of a record by path, in the operation's body encoding; PUT sends the whole record back. Fields
    the operation declares as query parameters (and not in its body) go in the query."""

    def __init__(self, ctx: Context, op: Operation, path: str) -> None:
        self.ctx, self.op, self.path = ctx, op, path

    async def __call__(self, who: Identity, fields: dict[str, Any], record: dict[str, Any]) -> Exchange | None:
        declared = self.op.body_fields
        query = {k: v for k, v in fields.items() if k in query_fields(self.op) and k not in declared}
        body = {k: v for k, v in fields.items() if k not in query}
        if self.op.method == "PUT" and declared:
            body = {**{k: v for k, v in record.items() if k in declared and "pass" not in k.lower()}, **body}
        if query and not body:
            with self.ctx.own_record(self.path):
                return await try_send(self.ctx, self.op.method, self.path, op=self.op, identity=who, params=query)
        with self.ctx.own_record(self.path):
            return await try_send(self.ctx, self.op.method, self.path, op=self.op, identity=who,
                                  json_body=body)


def query_fields(op: Operation) -> set[str]:
    """Names of the operation's query parameters (updates that take their fields in the query string)."""
    return {p.name for p in op.params if p.location == "query"}


def _user_ops(ctx: Context) -> list[tuple[Operation, Operation, str]]:
    """(update, read, parameter) for user-keyed records updated by path (``PATCH /users/{id}``), read back by
    ``GET`` of the same path or, where there is none, by the record's own view (``GET /users/me``), as its owner."""
    out = []
    for op in ctx.operations:
        if len(op.path_params) != 1 or op.looks_destructive():
            continue
        field = _field_path(op)
        # ``POST /users/{id}/role``: one field of the record, read at ``GET /users/{id}`` where there is one (else,
        # for ``PUT``/``PATCH``, as any update: through the record's own view)
        read = ctx.op_at(field) if field else None
        me = ctx.users[0] if ctx.users else None
        if read is not None and me is not None:
            if objects.identity_value(op.path_params[0].name, me.username, me.user_id,
                                      (field or "").split("{")[0]) is not None:
                out.append((op, read, op.path_params[0].name))
            continue
        if op.method not in ("PUT", "PATCH"):
            continue
        read = ctx.op_at(op.path) or next(
            (o for o in ctx.operations if o.method == "GET" and not o.path_params and SELF_PATH.search(o.path)
             and o.path.split("/")[:2] == op.path.split("/")[:2]), None)  # no read by id: the record's own view
        param = op.path_params[0].name
        if read is not None and ctx.users and objects.identity_value(
                param, ctx.users[0].username, ctx.users[0].user_id, op.path.split("{")[0]) is not None:
            out.append((op, read, param))
    return out


def _field_path(op: Operation) -> str | None:
    """The record path of an update that sets one privilege field of it by a path of its own (``POST
    /users/{id}/role``, ``PUT /accounts/{id}/permissions``): ``/users/{id}``; None for other operations."""
    head, _, last = op.path.rstrip("/").rpartition("/")
    if op.method in ("PUT", "PATCH", "POST") and head.endswith("}") and PRIVILEGE.match(last):
        return head
    return None


def _self_ops(ctx: Context) -> list[tuple[Operation, Operation]]:
    """(update, read) of the caller's own record by a path without an id (``PUT /auth/me`` read back by ``GET``)."""
    out = []
    for op in ctx.operations:
        if op.method in ("PUT", "PATCH") and not op.path_params and SELF_PATH.search(op.path) and (
                not op.looks_destructive()):
            read = ctx.op_at(op.path)
            if read is not None:
                out.append((op, read))
    return out


def _record_path(op: Operation, param: str, who: Identity) -> str | None:
    return objects.identity_path(op.path, (param,), who.username, who.user_id)


def read_path(read: Operation, path: str) -> str:
    """Where the record at ``path`` is read: the same path (or the record path a field update sits under:
    ``/users/7`` for ``/users/7/role``), or the owner's own view (``/users/me``)."""
    return "/".join(path.split("/")[:read.path.rstrip("/").count("/") + 1]) if read.path_params else read.path


def carrier(op: Operation, record: dict[str, Any], victim: Identity) -> str | None:
    """A plain string field of the record the update accepts, whose change cannot lock the victim out."""
    declared = set(op.body_fields) | (query_fields(op) & set(record))  # query parameters named like its fields
    fields = [k for k, v in record.items() if isinstance(v, str) and (not declared or k in declared)
              and not PRIVILEGE.match(k) and not MODERATION.match(k) and k not in objects.ID_KEYS]
    plain = [k for k in fields if not USER_NAMING.search(k)]
    if plain:
        return plain[0]
    email = next((k for k in fields if re.search(r"(?i)e-?mail", k)), None)
    if email is not None and victim.username and "@" not in victim.username:
        return email  # the victim logs in with a user name, so its e-mail can change (and is put back)
    return None


async def _other_record(ctx: Context, op: Operation, read: Operation, param: str) -> None:
    me, other = ctx.users[0], ctx.users[1]
    path, mine = _record_path(op, param, other), _record_path(op, param, me)
    if path is None or mine is None or path == mine:
        return
    before = _dict(await try_send(ctx, "GET", read_path(read, path), op=read, identity=other))
    field = carrier(op, before, other) if before is not None else None
    if before is None or field is None:
        return
    old = before[field]
    marker = "apishield" + ctx.token(10)
    value = f"{marker}@example.com" if "@" in old else marker
    write = Updater(ctx, op, path)
    sent = await write(me, {field: value}, before)
    if sent is None or not sent.ok or denied(sent):
        return
    after = await try_send(ctx, "GET", read_path(read, path), op=read, identity=other)
    await write(other, {field: old}, before)  # put the victim's value back (as the victim itself)
    if after is not None and after.ok and marker in after.text:
        ctx.report(rules.BOLA_WRITE, f"{me.name} changed {other.name}'s record {path} with {op.method} "
                   f"({field}={value!r}); {other.name}'s own read shows it (the old value was put back)", sent,
                   op=op, parameter=param, highlight=marker)


def _body_keyed_updates(ctx: Context) -> list[tuple[Operation, Operation, str]]:
    """(update, read, key) for account updates that name no account in their path but take a user key in their body
    (``PUT /profile`` with ``{"user_id": 7, "bio": ...}``), read back by a ``GET`` of the same path or of the
    caller's own view (``GET /profile``)."""
    out = []
    view = next((o for o in ctx.operations if o.method == "GET" and not o.path_params and SELF_PATH.search(o.path)
                 and not o.looks_admin()), None)
    for op in ctx.operations:
        if op.method not in ("PUT", "PATCH", "POST") or op.path_params or not OWN_ACCOUNT.search(op.path) or (
                op.looks_destructive() or op.looks_admin() or op.looks_login() or op.looks_register()):
            continue
        key = next((f for f in op.body_fields if USER_KEY.match(f)), None)
        read = ctx.op_at(op.path) or view
        if key is not None and read is not None:
            out.append((op, read, key))
    return out


async def _other_record_by_body_key(ctx: Context, op: Operation, read: Operation, key: str) -> None:
    """The first identity sends the update with the second identity's key in its body and a marker in one harmless
    field; the finding needs the marker in the second identity's own read of its record. The second identity puts
    its old value back; where the server ignored the key and changed the sender's own record, so does the sender."""
    me, other = ctx.users[0], ctx.users[1]
    mine, theirs = key_value(key, me), key_value(key, other)
    if not mine or not theirs or mine == theirs:
        return
    before = _dict(await try_send(ctx, "GET", read.path, op=read, identity=other))
    own = _dict(await try_send(ctx, "GET", read.path, op=read, identity=me))
    field = carrier(op, before, other) if before is not None and own is not None else None
    if before is None or own is None or field is None or field == key or field not in own:
        return

    def value_of(v: str) -> str | int:  # the key in the type its schema declares (a number unless a string)
        return int(v) if v.isdigit() and op.body_fields.get(key, {}).get("type") != "string" else v

    marker = "apishield" + ctx.token(10)
    value = f"{marker}@example.com" if "@" in str(before[field]) else marker
    write = Updater(ctx, op, op.path)
    sent = await write(me, {key: value_of(theirs), field: value}, before)
    if sent is None or not sent.ok or denied(sent):
        return
    after = await try_send(ctx, "GET", read.path, op=read, identity=other)
    mine_after = await try_send(ctx, "GET", read.path, op=read, identity=me)
    await write(other, {key: value_of(theirs), field: before[field]}, before)
    if mine_after is not None and marker in mine_after.text:
        await write(me, {key: value_of(mine), field: own[field]}, own)  # the key was ignored: the sender's own
    if after is not None and after.ok and marker in after.text:
        ctx.report(rules.BOLA_WRITE, f"{me.name} changed {other.name}'s record with {op.method} {op.path} by naming "
                   f"{key}={theirs} in the body ({field}={value!r}); {other.name}'s own read at {read.path} shows it "
                   "(the old value was put back)", sent, op=op, parameter=key, highlight=marker)


def _owner_ref(obj: dict[str, Any]) -> Any:
    for key, value in obj.items():
        if not OWNER_REF.match(str(key)):
            continue
        if isinstance(value, dict):
            value = objects.find_id(value)
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            return value
    return None


def owned_objects(ctx: Context, who: Identity) -> list[tuple[str, Any]]:
    """(collection path, id) of objects ``who`` owns: those it created, and those a listing recorded during the
    run names it as the owner of (``seller_id``, ``owner: {"id": …}``)."""
    out: list[tuple[str, Any]] = [(c.collection, c.object_id) for c in ctx.owned_by(who)]
    if who.user_id is None:
        return out
    listings = {op.key: op for op in ctx.operations if op.method == "GET" and not op.path_params}
    for ex in list(ctx.client.log):
        op = listings.get(ex.operation)
        if op is None or not ex.ok or "json" not in ex.content_type:
            continue
        for obj in objects.listed_objects(ex.json()):
            oid = objects.find_id(obj)
            if oid is not None and str(_owner_ref(obj)) == str(who.user_id) and (op.path, oid) not in out:
                out.append((op.path, oid))
    return out


def spread(owned: list[tuple[str, Any]], per_collection: int = 2) -> list[tuple[str, Any]]:
    """At most ``per_collection`` objects of each collection, in order: many objects made in one collection (by
    the checks before this one) must not crowd out a record of another that the identity owns."""
    counts: dict[str, int] = {}
    out: list[tuple[str, Any]] = []
    for collection, oid in owned:
        counts[collection] = counts.get(collection, 0) + 1
        if counts[collection] <= per_collection:
            out.append((collection, oid))
    return out


def _role_guess(field: str, current: Any, own_user: bool) -> list[str]:
    """The one privileged value tried in a role field of the caller's own account when the API names none: the
    administrator's, written the way the current value is (``user`` → ``admin``, ``User`` → ``Admin``). A higher
    role cannot lock the account out, and the old value is put back."""
    if not (own_user and isinstance(current, str) and PLAIN.fullmatch(current) and ROLE_FIELD.match(field)):
        return []
    guess = "ADMIN" if current.isupper() else "Admin" if current[:1].isupper() else "admin"
    return [guess] if guess != current else []


async def _flip(ctx: Context, op: Operation, read: Operation, path: str, who: Identity, fields: list[str],
                record: dict[str, Any], own_user: bool) -> bool:
    write = Updater(ctx, op, path)
    for field in fields:
        current = record.get(field)
        news = [not current] if isinstance(current, bool) else [  # plain words only: never an echoed payload
            v for v in _known_values(ctx, {}, field, current) if isinstance(v, str) and PLAIN.fullmatch(v)
            and not v.lower().startswith("apishield")] or _role_guess(field, current, own_user)
        for new in news[:2]:
            sent = await write(who, {field: new}, record)
            if sent is None or sent.status in (401, 403):
                return False
            after = _dict(await try_send(ctx, "GET", read_path(read, path), op=read, identity=who)) if sent.ok \
                else None
            if after is not None and after.get(field) == new:
                await write(who, {field: current}, record)  # put the old value back
                what = "its own account" if own_user else f"its own object {path}"
                ctx.report(rules.MASS, f"{who.name} set {field!r} of {what} from {current!r} to {new!r} through "
                           f"{op.key} (read back; the old value was put back)", sent, op=op, parameter=field,
                           highlight=f'"{field}"')
                return True
    return False


async def _hand_over(ctx: Context, op: Operation, read: Operation, path: str, record: dict[str, Any]) -> bool:
    """The first identity sets the owner field of its own object to the second identity's id; reported when the
    object then reads as the second identity's (its own read, or the first's read of the field), and handed back
    by the second identity afterwards."""
    me, other = ctx.users[0], ctx.users[1]
    field = next((k for k, v in record.items() if OWNER_REF.match(k) and k.lower().endswith("id")
                  and str(v) == str(me.user_id)), None)
    if field is None or other.user_id is None or str(other.user_id) == str(me.user_id):
        return False
    try:
        new = type(record[field])(other.user_id) if isinstance(record[field], (int, str)) else other.user_id
    except ValueError:  # an id of another shape than the field's: nothing to name the other identity with
        return False
    write = Updater(ctx, op, path)
    sent = await write(me, {field: new}, record)
    if sent is None or not sent.ok:
        return False
    theirs = _dict(await try_send(ctx, "GET", path, op=read, identity=other))
    mine = _dict(await try_send(ctx, "GET", path, op=read, identity=me))
    if not any(r is not None and str(r.get(field)) == str(new) for r in (theirs, mine)):
        return False
    back = await write(other, {field: record[field]}, {**record, field: new})
    restored = "handed back" if back is not None and back.ok else "could not be handed back"
    ctx.report(rules.MASS, f"{me.name} handed its own object {path} to {other.name} by setting {field!r} to "
               f"{new!r} through {op.key} (read back; {restored})", sent, op=op, parameter=field,
               highlight=f'"{field}"')
    return True


async def _owned_updates(ctx: Context) -> None:
    me = ctx.users[0]
    for collection, oid in spread(owned_objects(ctx, me))[: MAX_OBJECTS * 3]:
        for method in ("PATCH", "PUT"):
            op = ctx.item_op(collection, method)
            read = ctx.item_op(collection, "GET")
            if op is None or read is None or op.looks_destructive():
                continue
            param = op.path_params[-1].name
            path = op.path.replace("{" + param + "}", str(oid))
            if "{" in path:
                continue
            record = _dict(await try_send(ctx, "GET", path, op=read, identity=me))
            if record is None:
                break
            fields = [k for k, v in record.items() if (MODERATION.match(k) and isinstance(v, bool))
                      or (PRIVILEGE.match(k) and isinstance(v, (bool, str)))]
            if fields and await _flip(ctx, op, read, path, me, fields, record, own_user=False):
                return
            if len(ctx.users) >= 2 and await _hand_over(ctx, op, read, path, record):
                return
            break


async def _own_account(ctx: Context, op: Operation, read: Operation, param: str | None) -> None:
    me = ctx.users[0]
    path = _record_path(op, param, me) if param is not None else op.path  # ``/me``: the caller's by definition
    record = _dict(await try_send(ctx, "GET", read_path(read, path), op=read, identity=me)) if path is not None \
        else None
    if path is None or record is None:
        return
    fields = [k for k, v in record.items() if PRIVILEGE.match(k) and isinstance(v, (bool, str))
              and (not op.body_fields or k in op.body_fields)]
    await _flip(ctx, op, read, path, me, fields, record, own_user=True)


@check("records", rules=(rules.BOLA_WRITE, rules.MASS), weight=2, phase="access", order=35)
async def records(ctx: Context) -> None:
    """Updates by path: another identity's record, privileged fields of one's own objects and account."""
    if not ctx.users:
        ctx.needs_identity("updates of existing records need the probe's own identities")
        return
    users = _user_ops(ctx)
    mine = _self_ops(ctx)
    keyed = _body_keyed_updates(ctx) if len(ctx.users) >= 2 else []
    ctx.plan([*(op for op, _read, _param in users), *(op for op, _read in mine), *(op for op, _r, _k in keyed)])
    for op, read, param in users:
        if len(ctx.users) >= 2:
            await _other_record(ctx, op, read, param)
        await _own_account(ctx, op, read, param)
    for op, read, key in keyed:
        await _other_record_by_body_key(ctx, op, read, key)
    for op, read in mine:
        await _own_account(ctx, op, read, None)
    await _owned_updates(ctx)


__all__ = ["owned_objects", "records", "spread"]
