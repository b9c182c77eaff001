"""Several counters changed in one atomic call, all or nothing: :meth:`Store.add_counters`.

A login attempt reserves a slot on three counters (the account, the client address, the whole site) and
must be refused without taking any of them when one is full; a successful login clears one and gives the
others back. Counted one ``incr`` at a time that is three round trips, and a refusal on the last counter has
already consumed the first two. :meth:`~apishield.stores.base.Store.add_counters` does it in one call: every
counter is read, every limit checked, and only when all of them hold is every amount added (one Lua script
in Redis, one ``BEGIN IMMEDIATE`` transaction in SQLite, one lock in memory). These counters are the same
counters as :meth:`~apishield.stores.base.Store.incr` writes (``ttl`` and ``delete`` see them).

Rules, per :class:`CounterOp` (this module is the reference; ``lua/counters.lua`` mirrors it):

* the counter starts from its current value, or from 0 when it is missing, expired or ``reset``;
* ``amount`` is added; a counter never goes below 0, and one that reaches 0 is removed;
* ``limit``: when ``amount`` is positive and the new value would pass ``limit``, the whole call is refused
  and nothing is written (a refund, ``amount <= 0``, is never refused);
* ``ttl`` (seconds) applies when the counter is created (or re-created by ``reset``), as with ``incr``;
* with ``ban_key`` (a value with a TTL, as :class:`~apishield.ratelimit.penalties.PenaltyBox` sets), nothing is
  read or written while the ban lives, and the answer says how long it has left.

In a Redis Cluster a script can only touch keys of one hash slot: give every key of a call one hash tag
(``{login}:a:…``, ``{login}:ip:…``). A call whose counters span several slots is refused with
:class:`~apishield.errors.ConfigError` rather than decided non-atomically; a ``ban_key`` in another slot is
read first, in its own round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from apishield.errors import ConfigError

#: a live counter as the stores hold it: (value, expiry deadline in epoch seconds or None)
Entry = tuple[int, float | None]


class CounterOp(NamedTuple):
    """One counter of an :meth:`~apishield.stores.base.Store.add_counters` call (see the module doc).

    (A named tuple: built for every login attempt, it costs a fraction of a frozen dataclass.)
    """

    key: str
    amount: int = 1
    limit: int | None = None
    ttl: float | None = None
    reset: bool = False


class Counted(NamedTuple):
    """The answer of :meth:`~apishield.stores.base.Store.add_counters`.

    ``allowed``: every amount was added. ``values`` and ``ttls`` (seconds left, ``None`` without expiry or for
    a missing counter) are each counter's after the call, or as they stand when refused. ``refused`` lists
    the indexes of the operations whose limit refused. ``banned`` is the ban's seconds left when ``ban_key``
    was banned (then nothing was read: ``values`` and ``ttls`` are empty).
    """

    allowed: bool
    values: tuple[int, ...] = ()
    ttls: tuple[float | None, ...] = ()
    refused: tuple[int, ...] = ()
    banned: float | None = None


def check_ops(ops: Sequence[CounterOp]) -> None:
    """Refuse calls that have no single meaning: no counters, one key twice, a non-integer amount or limit."""
    if not ops:
        raise ConfigError("add_counters: give at least one CounterOp")
    if len(ops) > 1 and len({op.key for op in ops}) != len(ops):
        raise ConfigError("add_counters: each counter may appear once per call")
    for op in ops:
        if (type(op.key) is not str or not op.key or type(op.amount) is not int
                or (op.limit is not None and type(op.limit) is not int)
                or (op.ttl is not None and not op.ttl > 0)):
            raise ConfigError(f"add_counters: {op!r:.200} is not valid: the key must be a non-empty string, "
                              "amount and limit whole numbers, ttl a number of seconds > 0 or None")


def refused_by(ops: Sequence[CounterOp], values: Sequence[int]) -> tuple[int, ...]:
    """Indexes of the operations whose limit refuses, given each counter's current value."""
    out = []
    for i, (op, value) in enumerate(zip(ops, values, strict=True)):
        if op.limit is not None and op.amount > 0 and (0 if op.reset else value) + op.amount > op.limit:
            out.append(i)
    return tuple(out)


def decide_counters(
    ops: Sequence[CounterOp], current: Sequence[Entry | None], now: float
) -> tuple[Counted, list[Entry | None] | None]:
    """The answer and the entries to write (``None`` = remove), or no writes when refused.

    ``current`` holds each counter's live entry (``None`` when missing or expired), in the order of ``ops``.
    """
    values = [0 if entry is None else entry[0] for entry in current]
    refused = refused_by(ops, values)
    if refused:
        ttls = tuple(None if e is None or e[1] is None else e[1] - now for e in current)
        return Counted(False, tuple(values), ttls, refused), None
    writes: list[Entry | None] = []
    left: list[float | None] = []
    for i, (op, entry) in enumerate(zip(ops, current, strict=True)):
        if entry is None or op.reset:
            new, deadline = op.amount, None if op.ttl is None else now + op.ttl
        else:
            new, deadline = entry[0] + op.amount, entry[1]
        if new > 0:
            writes.append((new, deadline))
            left.append(None if deadline is None else deadline - now)
        else:
            new = 0
            writes.append(None)
            left.append(None)
        values[i] = new
    return Counted(True, tuple(values), tuple(left)), writes


__all__ = ["Counted", "CounterOp", "Entry", "check_ops", "decide_counters", "refused_by"]
