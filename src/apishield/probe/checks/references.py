"""Object references named in the request BODY: ``PUT /profile {"username": "bob", ...}``,
``PUT /users/update_role {"username": "alice", "role": ...}`` — writes whose object is a user named by a body
field rather than by the path.

Such writes are allowed here only on the probe's **own identities** (never on anyone else), and only when the
operation has no destructive wording. Two proofs, each read back through a separate request:

* **object level (BOLA write)** — on updates (``PUT``/``PATCH``; a ``POST`` that names a user is addressed to
  them, like a message) the first identity names the second one in the body and sets a string field to a fresh
  marker; the finding needs the marker in the second identity's own read (``GET`` on the same path, the
  canary, or a user-keyed ``GET``) while the first identity's own read does not show it (a listing that shows
  everyone proves nothing);
* **function level (own privilege)** — an identity names itself and sets a privilege field the body declares
  (``role``, ``is_admin`` …) to another value; the finding needs its own read to show the new value, and the old
  value is written back afterwards. Values the API itself names (the schema's enum, values seen in its answers)
  are tried on the first identity; guessed role names only on throwaway accounts registered for the purpose,
  one per guess, because an unknown value can leave an account unusable.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from apishield.probe import objects, rules
from apishield.probe.checks._util import try_send, walk_keys
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, Identity, ProbeAbort, check
from apishield.probe.identities import provision
from apishield.probe.targets import Operation, sample_body

PRIVILEGE = re.compile(r"(?i)^(role|roles|user_?role|account_?type|user_?type|level|access_?level|group|"
                       r"is_?admin|admin|is_?staff|is_?superuser|permissions?)$")
ROLE_GUESSES = ("admin", "Admin", "administrator", "employee", "Employee", "staff", "manager", "moderator")


def user_field(op: Operation, who: Identity) -> str | None:
    """The body field that names a user (``username``, ``email``, ``user_id`` …) when ``who`` has a value for it."""
    for name in op.body_fields:
        if objects.identity_value(name, who.username, who.user_id, op.path) is not None:
            return name
    return None


def candidates(ctx: Context) -> list[Operation]:
    out = []
    for op in ctx.operations:
        if op.method not in ("PUT", "PATCH", "POST") or op.path_params or op.looks_login() or op.looks_register():
            continue
        if dataclasses.replace(op, source="url").looks_destructive():  # wording alone; parameterless is fine here
            continue
        if ctx.users and user_field(op, ctx.users[0]) is not None:
            out.append(op)
    return out


class Writer:
    """Sends one body-referenced write, in the body encoding the description names."""

    def __init__(self, ctx: Context, op: Operation) -> None:
        self.ctx, self.op = ctx, op
        self.template = sample_body(op.body_schema, ctx.rng) if op.body_schema else {}

    async def __call__(self, who: Identity, fields: dict[str, Any]) -> Exchange | None:
        body = {k: v for k, v in self.template.items() if "pass" not in k.lower()}
        body.update(fields)
        with self.ctx.own_write(self.op):
            return await try_send(self.ctx, self.op.method, self.op.path, op=self.op, identity=who,
                                  json_body=body)


def readers(ctx: Context, op: Operation) -> list[Operation]:
    """Where an identity reads its own record: GET on the same path, GETs without parameters named like a self
    view (``/profile``, ``/me``, ``/account``), the canary, then user-keyed GETs (``/users/{username}``)."""
    gets = [o for o in ctx.operations if o.method == "GET" and not o.looks_destructive()]
    out = [o for o in gets if o.path == op.path]
    out += [o for o in gets if not o.path_params and objects.USERISH.search(o.path.rstrip("/").rsplit("/", 1)[-1])
            and o not in out]
    if ctx.canary is not None and ctx.canary not in out:
        out.append(ctx.canary)
    out += [o for o in gets if len(o.path_params) == 1 and o not in out]
    return out


async def read_own(ctx: Context, reader: Operation, who: Identity) -> Exchange | None:
    path = objects.identity_path(reader.path, (p.name for p in reader.path_params), who.username, who.user_id)
    if path is None:
        return None
    ex = await try_send(ctx, "GET", path, op=reader, identity=who)
    return ex if ex is not None and ex.ok else None


def _field_value(data: Any, name: str) -> Any:
    if isinstance(data, dict) and isinstance(data.get("user"), dict):
        data = data["user"]
    return data.get(name) if isinstance(data, dict) else None


async def _object_level(ctx: Context, op: Operation, write: Writer) -> bool:
    me, other = ctx.users[0], ctx.users[1]
    key = user_field(op, me)
    if key is None or user_field(op, other) != key:
        return False
    mine_value = objects.identity_value(key, me.username, me.user_id, op.path)
    theirs_value = objects.identity_value(key, other.username, other.user_id, op.path)
    if theirs_value is None or str(theirs_value) == str(mine_value):
        return False
    carrier = next((k for k, s in op.body_fields.items() if k != key and isinstance(s, dict)
                    and s.get("type", "string") == "string" and not s.get("enum") and not s.get("format")
                    and "pass" not in k.lower() and not PRIVILEGE.match(k)), None)
    if carrier is None:
        return False
    for reader in readers(ctx, op):
        before = await read_own(ctx, reader, other)
        if before is None:
            continue
        marker = "apishield" + ctx.token(10)
        sent = await write(me, {key: theirs_value, carrier: marker})
        if sent is None or not sent.ok:
            return False
        after = await read_own(ctx, reader, other)
        own = await read_own(ctx, reader, me)
        if after is not None and own is not None and marker in after.text and marker not in own.text:
            ctx.report(rules.BOLA_WRITE, f"{me.name} changed {other.name}'s record by naming it in the body "
                       f"({key}={theirs_value!r}); {other.name}'s own read at GET {reader.path} shows "
                       f"{carrier}={marker!r}", after, op=op, parameter=key, highlight=marker)
            return True
        return False
    return False


def _known_values(ctx: Context, schema: dict[str, Any], field: str, current: Any) -> list[Any]:
    """Other values the API itself says ``field`` may take: the schema's enum, or values seen in its answers."""
    enum = schema.get("enum") or (schema.get("items") or {}).get("enum")
    if isinstance(enum, list) and enum:
        return [v for v in enum if v != current][:4]
    if schema.get("type") == "boolean" or isinstance(current, bool):
        return [not current] if isinstance(current, bool) else []
    seen: list[Any] = []
    for ex in list(ctx.client.log):
        if ex.ok and "json" in ex.content_type:
            seen += [v for k, v in walk_keys(ex.json()) if k == field and isinstance(v, (str, int))
                     and not isinstance(v, bool) and v != current and v not in seen]
    return seen[:4]


async def throwaway(ctx: Context, like: Identity) -> Identity | None:
    """A fresh account registered through the API's registration operation, logged in the way ``like`` is (its
    token in the same header): privilege guesses that might leave an account unusable land on it, never on the
    identities the probe was given."""
    header = next(((k, v) for k, v in like.headers.items() if like.token and like.token in v), None)
    template = f"{header[0]}: {header[1].replace(like.token or '', '{token}')}" if header else (
        "Authorization: Bearer {token}")
    try:
        made = await provision(ctx, 1, header=template)
    except ProbeAbort as exc:
        ctx.notes.append(f"references: {exc}")
        return None
    if not made:
        return None
    made[0].name = f"throwaway-{made[0].username}"
    ctx.notes.append(f"references: throwaway account {made[0].username!r} registered for privilege guesses")
    return made[0]


async def _raise_own(ctx: Context, op: Operation, write: Writer, who: Identity, field: str, new: Any
                     ) -> tuple[bool | None, Any]:
    """``who`` names itself and sets ``field`` to ``new``: True (read back changed), False (not changed), None
    (nothing to read it back from, the write refused as unsafe, or the function refused with 401/403); with the
    value it had before."""
    key = user_field(op, who)
    value = objects.identity_value(key, who.username, who.user_id, op.path) if key else None
    if key is None or value is None:
        return None, None
    for reader in readers(ctx, op):
        before = await read_own(ctx, reader, who)
        current = _field_value(before.json(), field) if before is not None else None
        if before is None or current is None:
            continue
        if current == new:
            return False, current
        sent = await write(who, {key: value, field: new})
        if sent is None or sent.status in (401, 403):
            return None, current  # unsafe, or the function itself is refused: other values will not change that
        after = await read_own(ctx, reader, who) if sent.ok else None
        if after is not None and _field_value(after.json(), field) == new:
            ctx.report(rules.BFLA, f"ordinary user {who.name} changed its own {field!r} from {current!r} to {new!r} "
                       f"through {op.key} (read back at GET {reader.path})", after, op=op, parameter=field,
                       highlight=str(new))
            await write(who, {key: value, field: current})  # put the old value back
            return True, current
        return False, current
    return None, None


async def _own_privilege(ctx: Context, op: Operation, write: Writer) -> bool:
    """Values the API names are tried on the first identity; guessed role names only on throwaway accounts (one
    per guess), since an unknown value can leave an account unusable."""
    me = ctx.users[0]
    for field, schema in op.body_fields.items():
        if not PRIVILEGE.match(field) or not isinstance(schema, dict):
            continue
        found, current = None, None
        for new in _known_values(ctx, schema, field, None):
            found, current = await _raise_own(ctx, op, write, me, field, new)
            if found is not False:
                break
        if found:
            return True
        if schema.get("type") not in (None, "string") or schema.get("enum"):
            continue
        for guess in ROLE_GUESSES:
            if guess == current:
                continue
            who = await throwaway(ctx, me)
            if who is None:
                ctx.notes.append(f"references: {op.key} {field!r}: no value the API names and no throwaway account "
                                 "for guessed ones (guesses are never tried on the given identities)")
                break
            found, _ = await _raise_own(ctx, op, write, who, field, guess)
            if found or found is None:
                return bool(found)
    return False


@check("references", rules=(rules.BOLA_WRITE, rules.BFLA), weight=2, phase="access", order=25)
async def references(ctx: Context) -> None:
    """Writes whose object is a user named in the body, tried on the probe's own identities only."""
    ops = candidates(ctx)
    if not ops:
        ctx.not_applicable("no write names a user in its body")
        return
    ctx.plan(ops)
    for op in ops:
        write = Writer(ctx, op)
        object_level = len(ctx.users) >= 2 and op.method in ("PUT", "PATCH")
        if not object_level and not any(PRIVILEGE.match(f) for f in op.body_fields):
            # a POST naming a user (a message, a transfer) is addressed to them, not a change of theirs
            ctx.not_applicable("names a user but is no update of theirs and sets no privilege field", op)
            continue
        if object_level:
            await _object_level(ctx, op, write)
        await _own_privilege(ctx, op, write)
