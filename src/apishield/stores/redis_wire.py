"""The Redis store's rate-limit decisions in RESP: encoded once per client and route, parsed without redis-py.

Every request of a client on a route sends the same EVALSHA of ``lua/ratelimit.lua``: the same keys (its
rate-limit state, its ban, the revocation set of its token), the same limits, the same cost; only the time
could differ, and the script reads Redis's own ``TIME`` unless a test passes a clock. :class:`DecisionWire`
therefore keeps each encoded command (at most :data:`MAX_DECISIONS`, forgotten all at once when full, so a
spray of distinct clients costs nothing but re-encoding) under the identity of the limit tuple, which the
limiter compiles once per route, and the keys. A request's payload is one dictionary lookup instead of the
encoding of a dozen arguments. Nothing about the decision is kept: the script decides on every call.
"""

from __future__ import annotations

import socket
import struct
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from apishield.errors import StoreError
from apishield.ratelimit.limits import LimitState

if TYPE_CHECKING:
    from apishield.ratelimit.limits import Limit

STRATEGY_CODE = {"fixed_window": "1", "sliding_window": "2", "token_bucket": "3", "gcra": "4"}
#: encoded decisions kept per store (a few hundred bytes each)
MAX_DECISIONS = 2048
#: the kernel holds a socket's timeouts where ``struct timeval`` is two C longs (Linux); elsewhere Python does
KERNEL_TIMEOUTS = sys.platform.startswith("linux") and struct.calcsize("@l") == 8


def kernel_timed(sock: socket.socket | None, seconds: float) -> None:
    """Let the kernel bound ``sock``'s sends and receives to ``seconds`` instead of Python.

    A Python socket timeout makes every ``send`` and ``recv`` wait in ``poll()`` first: two system calls where
    one does, about a fifth of a decision's CPU. ``SO_SNDTIMEO``/``SO_RCVTIMEO`` keep the same bound on a
    blocking socket; an expired wait fails the call with ``EAGAIN``, which redis-py reports as a connection
    error, so the decision still fails within ``seconds``. Done once per connection (a reconnect makes a new
    socket, with Python's timeout again, and is done again). TLS sockets keep Python's timeouts.
    """
    if not KERNEL_TIMEOUTS or type(sock) is not socket.socket or sock.gettimeout() is None:
        return  # not Linux, no socket yet, TLS (its own reads), or already done
    whole, micro = divmod(max(1, round(seconds * 1_000_000)), 1_000_000)  # a zero timeval would mean "wait forever"
    timeval = struct.pack("@ll", whole, micro)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
    sock.settimeout(None)


def bulk(data: bytes) -> bytes:
    """``data`` as a RESP bulk string."""
    return b"$%d\r\n%s\r\n" % (len(data), data)


def pack(*parts: bytes) -> bytes:
    """One command in RESP: an array of bulk strings."""
    return b"*%d\r\n%s" % (len(parts), b"".join(bulk(part) for part in parts))


class DecisionWire:
    """Encoded EVALSHAs of the rate-limit script (``sha``), by limit tuple and by request."""

    def __init__(self, sha: str) -> None:
        self.sha = sha
        self._limits: dict[tuple[Limit, ...], tuple[bytes, list[str]]] = {}
        self._decisions: dict[tuple[int, tuple[str, ...], int], tuple[Sequence[Limit], bytes, tuple[Any, ...]]] = {}

    def command(
        self, keys: tuple[str, ...], limits: Sequence[Limit], cost: int, now: str | None = None
    ) -> tuple[bytes, tuple[Any, ...]]:
        """(the EVALSHA in RESP, the same as a redis-py command) deciding ``limits`` for ``keys`` (the state key
        first, then the ban key, then the sets to read). ``now``: the time a test passes (never kept); ``None``
        lets the script read Redis's ``TIME``."""
        memo = (id(limits), keys, cost)
        if now is None:
            hit = self._decisions.get(memo)
            if hit is not None and hit[0] is limits:  # the identity makes a recycled id() harmless
                return hit[1], hit[2]
        tail, args = self._encoded(limits)
        when = "" if now is None else now
        payload = b"".join(
            (self._head(len(keys), len(args)), *(bulk(k.encode()) for k in keys), bulk(b"%d" % cost),
             bulk(when.encode()), tail)
        )
        command = ("EVALSHA", self.sha, len(keys), *keys, cost, when, *args)
        if now is None:
            if len(self._decisions) >= MAX_DECISIONS:
                self._decisions.clear()
            self._decisions[memo] = (limits, payload, command)
        return payload, command

    def _encoded(self, limits: Sequence[Limit]) -> tuple[bytes, list[str]]:
        """The limit arguments in RESP and as strings, built once per limit tuple."""
        key = tuple(limits)
        hit = self._limits.get(key)
        if hit is None:
            args: list[str] = []
            for limit in limits:
                args += [limit.id, STRATEGY_CODE[limit.strategy], str(limit.amount), repr(float(limit.window))]
                args.append(str(limit.capacity))
            hit = (b"".join(bulk(a.encode()) for a in args), args)
            if len(self._limits) < 1024:
                self._limits[key] = hit
        return hit

    def _head(self, keys: int, args: int) -> bytes:
        """``EVALSHA <sha> <keys>`` in RESP, for ``keys`` keys, cost, now and ``args`` limit arguments."""
        count = b"%d" % keys
        return b"*%d\r\n$7\r\nEVALSHA\r\n$40\r\n%s\r\n%s" % (5 + keys + args, self.sha.encode(), bulk(count))

    @staticmethod
    def states(raw: Any, limits: Sequence[Limit]) -> list[LimitState]:
        """The script's reply, ``"allowed remaining reset_after retry_after"`` per limit, as limit states."""
        try:
            parts = raw.split(" ")
            return [
                LimitState(limit, parts[i] == "1", int(parts[i + 1]), float(parts[i + 2]), float(parts[i + 3]))
                for i, limit in zip(range(0, 4 * len(limits), 4), limits, strict=True)
            ]
        except (AttributeError, IndexError, TypeError, ValueError) as exc:
            raise StoreError(f"Redis store ratelimit: unexpected reply {raw!r:.80}") from exc


__all__ = ["KERNEL_TIMEOUTS", "MAX_DECISIONS", "STRATEGY_CODE", "DecisionWire", "bulk", "kernel_timed", "pack"]
