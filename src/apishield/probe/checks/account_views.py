"""Where an account's own record can be read when the API has no single-account read (``GET /users/{id}``): a
listing of accounts (``GET /api/users``, ``GET /admin/users``, ``{"users": [...]}``) whose answer holds it.

Checks that write an account and must read the result back (a cross-identity write, a self-update with privileged
fields) use it as their reader of last resort: the record is found in the listing by the account's own user name,
id or e-mail, never by position.
"""

from __future__ import annotations

import re
from typing import Any

from apishield.probe import objects
from apishield.probe.checks._util import try_send
from apishield.probe.checks.exposure import owns
from apishield.probe.checks.held_objects import collection_of
from apishield.probe.client import Exchange, denied
from apishield.probe.engine import Context, Identity
from apishield.probe.targets import Operation

#: the last segment of a listing of accounts
ACCOUNTS = re.compile(r"(?i)(^|[/_-])(users|accounts|members|profiles|customers)/?$")


def names_one_account(op: Operation) -> bool:
    """``op`` acts on one account named by its key (``/users/{id}``, ``/api/user/{username}``) outside an
    administrative area: the operation a signed-in user could aim at another's account."""
    return (len(op.path_params) == 1 and op.path.rstrip("/").endswith("}") and not op.looks_admin()
            and collection_of(op).endswith(objects.USER_COLLECTIONS))


async def listed_record(ctx: Context, op: Operation, who: Identity) -> tuple[Exchange | None, dict[str, Any] | None]:
    """The listing ``op`` asked as ``who``, and ``who``'s own record in its answer (None when it shows none)."""
    ex = await try_send(ctx, "GET", op.path, op=op, identity=who)
    if ex is None or not ex.ok or denied(ex):
        return ex, None
    return ex, next((r for r in objects.listed_records(ex.json()) if owns(r, who)), None)


async def account_listing(ctx: Context, who: Identity) -> tuple[Operation, dict[str, Any]] | None:
    """The first listing of accounts (no path parameter) that shows ``who``'s own record with more than its keys,
    and that record (three listings asked at most)."""
    listings = [op for op in ctx.operations if op.method == "GET" and not op.path_params
                and ACCOUNTS.search(op.path) and not op.looks_destructive()]
    for op in listings[:3]:
        _ex, record = await listed_record(ctx, op, who)
        if record is not None and len(record) > 2:
            return op, record
    return None


__all__ = ["ACCOUNTS", "account_listing", "listed_record"]
