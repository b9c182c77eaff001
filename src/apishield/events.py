"""Structured security events, as JSON log records on the ``apishield.security`` logger.

Events describe what happened (authentication failure, rate-limit denial, ban, CSRF or CORS refusal) without
ever carrying a secret: values under sensitive field names are redacted, and credentials are never passed in.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

logger = logging.getLogger("apishield.security")

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


def emit(event: str, level: int = logging.WARNING, **fields: Any) -> None:
    """Log one security event as a JSON object with an ``event`` name."""
    if not logger.isEnabledFor(level):
        return
    record = {"event": event, **redact(fields)}
    logger.log(level, json.dumps(record, default=str, sort_keys=True), extra={"apishield_event": record})


__all__ = ["REDACTED", "emit", "logger", "redact"]
