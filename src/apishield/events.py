"""Structured security events, as JSON log records on the ``apishield.security`` logger.

Events describe what happened (authentication failure, rate-limit denial, ban, CSRF or CORS refusal) without
ever carrying a secret: values under sensitive field names are redacted, and credentials are never passed in.

Events emitted by the shield pipeline: ``auth.missing``, ``auth.failure``, ``auth.forbidden``,
``auth.store_error``, ``ratelimit.denied``, ``ratelimit.store_error``, ``penalty.refused`` (a banned client on a
route without limits), ``penalty.store_error``, ``shield.store_error``, ``csrf.refused``, ``cors.refused``,
``cors.preflight_refused``, ``https.refused``, ``validation.refused``, ``server.development``; the core
guards add their own (``session.*``, ``penalty.*``, ``cors.policy_*``...).

When :mod:`prometheus_client` is importable, every event also increments the counter
``apishield_security_events_total{event="..."}`` (scrape it with the client's usual exporter). Extra
listeners (an alerting hook, a test) can subscribe with :func:`add_listener`.

Events that come by the thousand in an attack or an outage (``ratelimit.denied``, ``auth.failure``,
``auth.missing``, ``apikey.invalid``, ``*.store_error``) go through an
:class:`~apishield.ratelimit.guard.EventThrottle`: one log line per kind per interval, carrying
``suppressed`` (how many it held back since the last line); the counter above still counts every one.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("apishield.security")

Listener = Callable[[str, dict[str, Any]], None]
_listeners: list[Listener] = []


def _prometheus_counter() -> Any:
    try:
        import prometheus_client  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    try:
        return prometheus_client.Counter(
            "apishield_security_events", "Security events seen by apishield, by event name", ["event"]
        )
    except ValueError:  # already registered (module reloaded)
        return None


_counter = _prometheus_counter()


def add_listener(listener: Listener) -> Callable[[], None]:
    """Call ``listener(event, redacted_fields)`` for every event; returns a function that unsubscribes."""
    _listeners.append(listener)

    def _remove() -> None:
        if listener in _listeners:
            _listeners.remove(listener)

    return _remove

_SENSITIVE = re.compile(
    r"(pass(word)?|secret|token|api[_-]?key|authorization|cookie|session|otp|pepper)", re.IGNORECASE
)
REDACTED = "[redacted]"


def redact(fields: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``fields`` with values under sensitive names replaced."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if _SENSITIVE.search(key):
            out[key] = REDACTED
        elif isinstance(value, dict):
            out[key] = redact(value)
        else:
            out[key] = value
    return out


def count(event: str) -> None:
    """Count an event without logging it (an event a throttle held back still shows in the metrics)."""
    if _counter is not None:
        _counter.labels(event=event).inc()


def emit(event: str, level: int = logging.WARNING, **fields: Any) -> None:
    """Log one security event as a JSON object with an ``event`` name (and count it, see above)."""
    if _counter is not None:
        _counter.labels(event=event).inc()
    if _listeners:
        redacted = redact(fields)
        for listener in tuple(_listeners):
            listener(event, redacted)
    if not logger.isEnabledFor(level):
        return
    record = {"event": event, **redact(fields)}
    logger.log(level, json.dumps(record, default=str, sort_keys=True), extra={"apishield_event": record})


__all__ = ["REDACTED", "Listener", "add_listener", "count", "emit", "logger", "redact"]
