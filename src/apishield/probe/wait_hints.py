"""What a server's answer says about waiting before the next request: ``Retry-After``, ``RateLimit-Reset`` and the
structured ``RateLimit`` header, read the same way by the client's pacing and by the ban detection."""

from __future__ import annotations

import email.utils
import re
import time


def wait_hint(headers: tuple[tuple[str, str], ...], now_epoch: float | None = None) -> float | None:
    """Seconds the server asks us to wait: ``Retry-After`` (seconds or HTTP date), ``RateLimit-Reset`` /
    ``X-RateLimit-Reset`` (seconds, or an epoch time), or the ``t``/``reset`` of a structured ``RateLimit``."""
    values = {k.lower(): v.strip() for k, v in headers}
    raw = values.get("retry-after")
    if raw:
        if raw.isdigit():
            return float(raw)
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - (now_epoch if now_epoch is not None else time.time()))
    for name in ("ratelimit-reset", "x-ratelimit-reset", "x-rate-limit-reset"):
        raw = values.get(name)
        if raw and raw.replace(".", "", 1).isdigit():
            value = float(raw)
            if value > 1e9:  # an epoch time
                value -= now_epoch if now_epoch is not None else time.time()
            return max(0.0, value)
    structured = values.get("ratelimit")
    if structured:
        match = re.search(r"(?:^|[;,\s])(?:t|reset)=(\d+(?:\.\d+)?)", structured)
        if match:
            return float(match.group(1))
    return None


def exhausted_hint(headers: tuple[tuple[str, str], ...]) -> float | None:
    """When the answer says no requests remain in the window: seconds until it resets (else None)."""
    values = {k.lower(): v.strip() for k, v in headers}
    remaining = values.get("ratelimit-remaining") or values.get("x-ratelimit-remaining")
    structured = values.get("ratelimit") or ""
    match = re.search(r"(?:^|[;,\s])r(?:emaining)?=(\d+)", structured)
    if remaining is None and match:
        remaining = match.group(1)
    if remaining is None or not remaining.isdigit() or int(remaining) > 0:
        return None
    return wait_hint(headers)


__all__ = ["exhausted_hint", "wait_hint"]
