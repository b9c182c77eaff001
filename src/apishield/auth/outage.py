"""Credential checks fail closed when the state store fails: 503 with ``Retry-After``, one event per interval.

Login counters, refresh families, revocation sets, single-use tokens and TOTP steps all live in the store;
when it is down, hung or full, answering "not revoked" or "not locked" would be a bypass and a 500 with a
traceback per request floods the logs. Each component owns one :class:`FailClosed`: inside ``with
self.fail_closed:`` a :class:`~apishield.errors.StoreError` becomes :class:`~apishield.errors.StoreUnavailable`
(a ``Reject`` every adapter answers as 503 problem+json) and one throttled ``<event>`` is logged.
"""

from __future__ import annotations

import logging
from types import TracebackType

from apishield.errors import StoreError, StoreUnavailable
from apishield.ratelimit.guard import EventThrottle


class FailClosed:
    """A context manager turning store failures into :class:`StoreUnavailable` with a throttled event."""

    def __init__(self, event: str, detail: str, events: EventThrottle | None = None) -> None:
        self.event = event
        self.detail = detail
        self.events = events or EventThrottle()

    def __enter__(self) -> FailClosed:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is None or isinstance(exc, StoreUnavailable) or not isinstance(exc, StoreError):
            return
        raise self(exc) from None

    def __call__(self, exc: BaseException) -> StoreUnavailable:
        """The 503 to raise for ``exc`` (logged once per interval); for hot paths that avoid ``with``."""
        self.events.emit(self.event, level=logging.ERROR, error=type(exc).__name__)
        return StoreUnavailable(self.detail)


__all__ = ["FailClosed"]
