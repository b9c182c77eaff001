"""BOLA: with two identities, can the second read or change an object the first one created?

Proof, not guesswork: the first identity creates an object carrying a unique marker; the second asks for it by
id. A read finding needs the marker in the second identity's 2xx answer. A write finding needs the second
identity's change (a fresh marker) to be visible when the owner reads the object back. Only objects the probe
created are ever written to.
"""

from __future__ import annotations

from apishield.probe import objects, rules
from apishield.probe.checks._util import try_send
from apishield.probe.engine import Context, check


@check("bola", rules=(rules.BOLA_READ, rules.BOLA_WRITE), weight=4, phase="access", order=10)
async def bola(ctx: Context) -> None:
    """Object-level authorization with two identities and ownership markers (read and write)."""
    users = ctx.users
    if len(users) < 2:
        ctx.notes.append("bola: needs two identities (--auth twice, --login with two bodies, or a register op)")
        ctx.needs_identity("object-level authorization needs two identities")
        return
    owner, other = users[0], users[1]
    items = [op for op in ctx.operations if op.method == "GET" and len(op.path_params) == 1]
    if not ctx.owned_by(owner) and any(ctx.item_op(op.path) for op in ctx.operations if op.method == "POST"):
        ctx.skip("no object could be created by the first identity, so there is nothing to read across")
    ctx.plan(op for c in ctx.owned_by(owner) if (op := ctx.item_op(c.collection, "GET")) is not None)
    if not items:
        ctx.not_applicable("no operation reads a single object by id")
    for created in ctx.owned_by(owner):
        read_op = ctx.item_op(created.collection, "GET")
        if read_op is None or not created.marker:
            continue
        mine = await try_send(ctx, "GET", created.item_path, identity=owner, op=read_op)
        if mine is None or not mine.ok or created.marker not in mine.text:
            continue
        theirs = await try_send(ctx, "GET", created.item_path, identity=other, op=read_op)
        if theirs is not None and theirs.ok and created.marker in theirs.text:
            ctx.report(rules.BOLA_READ, f"{other.name} read {owner.name}'s object {created.item_path} "
                       f"(ownership marker {created.marker!r} in the answer)", theirs, op=read_op,
                       parameter=read_op.path_params[0].name if read_op.path_params else None,
                       highlight=created.marker)
        for method in ("PUT", "PATCH"):
            write_op = ctx.item_op(created.collection, method)
            if write_op is None:
                continue
            field = next((k for k, v in created.body.items() if v == created.marker), None)
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
    # user records: can the second identity read the first one's account, by id or by name?
    if not owner.username or not other.username:
        return
    for op in ctx.operations:
        if op.method != "GET" or len(op.path_params) != 1 or op.looks_destructive():
            continue
        param = op.path_params[0].name
        value = objects.identity_value(param, owner.username, owner.user_id, op.path.split("{")[0])
        if value is None:
            continue
        path = op.path.replace("{" + param + "}", str(value))
        ex = await try_send(ctx, "GET", path, identity=other, op=op)
        if ex is None or not ex.ok or owner.username not in ex.text or other.username in ex.text:
            continue
        # control: an answer that merely echoes whatever name is asked for proves nothing
        ghost = f"apishieldghost{ctx.token(6)}"
        echo = await try_send(ctx, "GET", op.path.replace("{" + param + "}", ghost), identity=other, op=op)
        if echo is not None and echo.ok and ghost in echo.text:
            continue
        ctx.report(rules.BOLA_READ, f"{other.name} read {owner.name}'s account record at {path}", ex, op=op,
                   parameter=param, highlight=owner.username)
