"""Store reads made ahead: what a request's authentication will read, fetched with its rate-limit decision.

An authenticated request used to cost two store round trips: the rate-limit decision (with the ban check),
then the revocation check of its token. The shield now asks the route's authenticators, before the rate
limit, which store sets they are going to read (``store_reads(view)``: known without verifying anything, e.g.
the revocation set of a token found in the verified-token cache), and the store returns their members in the
same atomic call as the decision (:meth:`~apishield.stores.base.Store.hit_and_read`). While the authenticators
run, :func:`members` answers from that copy.

A store whose calls cost no round trip (the memory store) says so with ``read_ahead = False``; the shield
then lets authentication read for itself, as the bookkeeping would cost more than it saves.

Why this is as fresh as reading the set itself: the copy is taken by the same request, in the store call
just before authentication, so any revocation that completed before the request's decision is in it (a
revocation racing with the request is ordered either way, as it was before). The copy lives only for that
request (a context variable), belongs to one store (a reader of another store never sees it), and holds
only the sets fetched; anything else, or anything when the decision call failed, is read from the store as
before, so a failure still fails closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar, Token
from typing import Any

from apishield.stores.base import Store


class ReadAhead:
    """The sets of ``store`` that one request's authentication will read, and (once fetched) their members."""

    __slots__ = ("found", "keys", "store")

    def __init__(self, store: Any, keys: Sequence[str]) -> None:
        self.store = store
        self.keys = tuple(keys)
        #: set key -> members, filled by the rate-limit call; ``None`` until then (or when it failed)
        self.found: dict[str, list[str]] | None = None

    def fill(self, members: Sequence[list[str]]) -> None:
        self.found = dict(zip(self.keys, members, strict=True))


_CURRENT: ContextVar[ReadAhead | None] = ContextVar("apishield_read_ahead", default=None)


def members(store: Store, key: str) -> list[str]:
    """``store.members(key)``, answered from this request's read-ahead copy when the shield fetched that set."""
    ahead = _CURRENT.get()
    if ahead is not None and ahead.store is store and ahead.found is not None:
        found = ahead.found.get(key)
        if found is not None:
            return found
    return store.members(key)


class reading:
    """Make ``ahead`` the current request's read-ahead copy inside the block."""

    __slots__ = ("ahead", "token")
    token: Token[ReadAhead | None]

    def __init__(self, ahead: ReadAhead | None) -> None:
        self.ahead = ahead

    def __enter__(self) -> None:
        self.token = _CURRENT.set(self.ahead)

    def __exit__(self, *exc: object) -> None:
        _CURRENT.reset(self.token)


__all__ = ["ReadAhead", "members", "reading"]
