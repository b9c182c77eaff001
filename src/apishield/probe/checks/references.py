"""Object references named in the request BODY: ``PUT /profile {"username": "bob", ...}``,
``PUT /users/update_role {"username": "alice", "role": ...}`` — writes whose object is a user named by a body
field rather than by the path.

Such writes are allowed here only on the probe's **own identities** (never on anyone else), and only when the
operation has no destructive wording. Two proofs, each read back through a separate request:

* **object level (BOLA write)** — the first identity names the second one in the body and sets a string field to
  a fresh marker; the finding needs the marker in the second identity's own read (``GET`` on the same path, the
  canary, or a user-keyed ``GET``) while the first identity's own read does not show it (a listing that shows
  everyone proves nothing);
* **function level (own privilege)** — the first identity names itself and sets a privilege field the body
  declares (``role``, ``is_admin`` …) to another value (the schema's other enum values, or common role names);
  the finding needs its own read to show the new value. The old value is written back afterwards.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from apishield.probe import objects, rules
from apishield.probe.checks._util import try_send
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, Identity, check
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
        encoded = self.op.encode_body(body)
        with self.ctx.own_write(self.op):
            if encoded is not None:
                content, ctype = encoded
                return await try_send(self.ctx, self.op.method, self.op.path, op=self.op, identity=who,
                                      content=content, headers={**who.headers, "Content-Type": ctype})
            return await try_send(self.ctx, self.op.method, self.op.path, op=self.op, identity=who, json_body=body)


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
    path = reader.path
    for p in reader.path_params:
        value = objects.identity_value(p.name, who.username, who.user_id, reader.path.split("{")[0])
        if value is None:
            return None
        path = path.replace("{" + p.name + "}", str(value))
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
        if after is not None and marker in after.text and (own is None or marker not in own.text):
            ctx.report(rules.BOLA_WRITE, f"{me.name} changed {other.name}'s record by naming it in the body "
                       f"({key}={theirs_value!r}); {other.name}'s own read at GET {reader.path} shows "
                       f"{carrier}={marker!r}", after, op=op, parameter=key, highlight=marker)
            return True
        return False
    return False


def _new_values(schema: dict[str, Any], current: Any) -> list[Any]:
    enum = schema.get("enum") or (schema.get("items") or {}).get("enum")
    if isinstance(enum, list) and enum:
        return [v for v in enum if v != current][:4]
    if schema.get("type") == "boolean" or isinstance(current, bool):
        return [not current] if isinstance(current, bool) else [True]
    if schema.get("type") in ("integer", "number") or (isinstance(current, int) and not isinstance(current, bool)):
        return [int(current) + 1 if isinstance(current, int) else 1]
    return [v for v in ROLE_GUESSES if v != current]


async def _own_privilege(ctx: Context, op: Operation, write: Writer) -> bool:
    me = ctx.users[0]
    key = user_field(op, me)
    value = objects.identity_value(key, me.username, me.user_id, op.path) if key else None
    if key is None or value is None:
        return False
    for field, schema in op.body_fields.items():
        if not PRIVILEGE.match(field) or not isinstance(schema, dict):
            continue
        for reader in readers(ctx, op):
            before = await read_own(ctx, reader, me)
            current = _field_value(before.json(), field) if before is not None else None
            if before is None or current is None:
                continue
            for new in _new_values(schema, current):
                sent = await write(me, {key: value, field: new})
                if sent is None:
                    return False
                if not sent.ok:
                    continue
                after = await read_own(ctx, reader, me)
                if after is not None and _field_value(after.json(), field) == new:
                    ctx.report(rules.BFLA, f"ordinary user {me.name} changed its own {field!r} from {current!r} to "
                               f"{new!r} through {op.key} (read back at GET {reader.path})", after, op=op,
                               parameter=field, highlight=str(new))
                    await write(me, {key: value, field: current})  # put the old value back
                    return True
            break
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
        if len(ctx.users) >= 2:
            await _object_level(ctx, op, write)
        await _own_privilege(ctx, op, write)
