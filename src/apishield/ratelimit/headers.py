"""Rate-limit response headers per draft-ietf-httpapi-ratelimit-headers-11 (Structured Fields).

``RateLimit-Policy: "100-per-minute";q=100;w=60`` announces each quota policy; ``RateLimit:
"100-per-minute";r=42;t=17`` reports what is left of it. Several policies are comma-separated (an SF List).
``Retry-After`` (delta-seconds, rounded up) goes on 429 answers only. The legacy ``X-RateLimit-Limit`` /
``-Remaining`` / ``-Reset`` trio, for old clients, describes the most constraining limit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from apishield.ratelimit.limits import Limit, LimitState

_SF_STRING_BAD = re.compile(r'[^\x20-\x7e]|["\\]')


def sf_string(text: str) -> str:
    """``text`` as a Structured Field String (printable ASCII; quotes and backslashes escaped)."""
    cleaned = _SF_STRING_BAD.sub(lambda m: "\\" + m.group(0) if m.group(0) in '"\\' else "", text)
    return f'"{cleaned}"'


def whole_seconds(value: float) -> int:
    """Non-negative whole seconds, rounded up (a client waiting this long will not be early): the one rounding
    of every ``Retry-After`` and ``t=``/``w=`` the library sends."""
    if value <= 0 or math.isnan(value):
        return 0
    if math.isinf(value):
        return 2**31 - 1
    return math.ceil(value - 1e-9)


def policy_header(states: Sequence[LimitState]) -> str:
    """The ``RateLimit-Policy`` value: one item per limit, ``q`` the (possibly scaled) quota, ``w`` the window."""
    return policy_header_for([st.limit for st in states])


def policy_header_for(limits: Sequence[Limit]) -> str:
    """The ``RateLimit-Policy`` value for ``limits`` (constant for unscaled limits: computed once per guard)."""
    return ", ".join(f"{sf_string(lim.name)};q={lim.amount};w={whole_seconds(lim.window)}" for lim in limits)


def ratelimit_header(states: Sequence[LimitState]) -> str:
    """The ``RateLimit`` value: ``r`` units remaining, ``t`` seconds until the quota resets."""
    return ", ".join(
        f"{sf_string(st.limit.name)};r={max(0, st.remaining)};t={whole_seconds(st.reset_after)}" for st in states
    )


def retry_after_value(seconds: float) -> str:
    """``Retry-After`` delta-seconds, at least 1."""
    return str(max(1, whole_seconds(seconds)))


def build_headers(
    states: Sequence[LimitState], *, allowed: bool, retry_after: float, legacy: bool = False
) -> dict[str, str]:
    """All rate-limit headers for one decision."""
    if not states:
        return {}
    headers = {"RateLimit-Policy": policy_header(states), "RateLimit": ratelimit_header(states)}
    if not allowed:
        headers["Retry-After"] = retry_after_value(retry_after)
    if legacy:
        tightest = min(states, key=lambda st: (st.remaining, -st.reset_after))
        headers["X-RateLimit-Limit"] = str(tightest.limit.amount)
        headers["X-RateLimit-Remaining"] = str(max(0, tightest.remaining))
        headers["X-RateLimit-Reset"] = str(whole_seconds(tightest.reset_after))
    return headers


__all__ = [
    "build_headers",
    "policy_header",
    "policy_header_for",
    "ratelimit_header",
    "retry_after_value",
    "sf_string",
    "whole_seconds",
]
