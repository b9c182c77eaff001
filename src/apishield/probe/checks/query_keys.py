"""Records chosen by a user key in the query string (``GET /api/orders?user_id=3``): the object-level read of
:mod:`apishield.probe.checks.bola` for collections keyed by a query parameter rather than by the path.

The owner asks with its own key and is shown records whose owner field names it; the other identity asks the same
query. A finding needs the owner's records' own telling values in the other identity's 2xx answer, while the other
identity's answer to its own key does not show them (the parameter picks whose records come back: a listing shown
to everyone whatever the key is another finding), a key nobody has does not bring them, and anonymous callers are
refused. Reads only.
"""

from __future__ import annotations

import re

from apishield.probe import objects, rules
from apishield.probe.checks._util import try_send
from apishield.probe.client import Exchange, denied
from apishield.probe.engine import Context, Identity
from apishield.probe.ownership import owned_record
from apishield.probe.targets import Operation, Param

#: a query parameter naming whose records to answer
USER_KEY = re.compile(r"(?i)^(user|owner|customer|member|buyer|client|patient)[_-]?(id|uid|name|username)?$|^uid$")


def key_value(name: str, who: Identity) -> str | None:
    """The identity's own value for a user key named ``name`` (in a query string or a body): its user name for a
    ``*name`` key, else its user id."""
    if re.search(r"(?i)name$", name):
        return who.username
    return str(who.user_id) if who.user_id not in (None, "") else None


async def _ask(ctx: Context, op: Operation, param: Param, value: str, who: Identity | None) -> Exchange | None:
    answer = await try_send(ctx, "GET", op.path, op=op, identity=who, params={param.name: value})
    return answer if answer is not None and answer.ok and not denied(answer) and "json" in answer.content_type \
        else None


async def read_by_query_key(ctx: Context, owner: Identity, other: Identity) -> None:
    """The other identity reads the owner's records by naming the owner's key in the query string."""
    for op in ctx.operations:
        if op.method != "GET" or op.path_params or op.looks_destructive():
            continue
        param = next((p for p in op.params if p.location == "query" and USER_KEY.match(p.name)), None)
        mine_key = key_value(param.name, owner) if param is not None else None
        theirs_key = key_value(param.name, other) if param is not None else None
        if param is None or mine_key is None or theirs_key is None or mine_key == theirs_key:
            continue
        mine = await _ask(ctx, op, param, mine_key, owner)
        records = objects.listed_objects(mine.json()) if mine is not None else []
        record = next((r for r in records if owned_record(r, owner) and not owned_record(r, other)), None)
        values = [v for v in objects.telling_values(record) if v not in (mine_key, str(owner.username))] \
            if record is not None else []
        if not values:
            continue
        got = await _ask(ctx, op, param, mine_key, other)
        if got is None or not all(got.shows(v) for v in values):
            continue  # the key is checked against the caller
        own = await _ask(ctx, op, param, theirs_key, other)
        ghost = await _ask(ctx, op, param, "987654321", other)
        anon = await try_send(ctx, "GET", op.path, op=op, params={param.name: mine_key})
        if (own is not None and any(own.shows(v) for v in values)) or (
                ghost is not None and any(ghost.shows(v) for v in values)) or anon is None or not denied(anon):
            continue  # shown whatever the key, or to anyone: not this finding
        ctx.report(rules.BOLA_READ, f"{other.name} read {owner.name}'s records at {op.path}?{param.name}={mine_key} "
                   f"({len(values)} of their own values in the answer; its own key shows none of them)", got, op=op,
                   parameter=param.name, highlight=values[0])


__all__ = ["USER_KEY", "key_value", "read_by_query_key"]
