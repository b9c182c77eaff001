"""Rate limiting: limit strings, four strategies, one atomic store call per request, IETF headers.

from apishield.stores import from_url
from apishield.ratelimit import RateLimiter

limiter = RateLimiter(from_url("redis://localhost:6379/0"))
decision = limiter.hit("ip:203.0.113.9", "10/second; 1000/day")
if not decision.allowed:
    ...  # 429 with decision.headers() (Retry-After included)
"""

from __future__ import annotations

from apishield.ratelimit import keys
from apishield.ratelimit.adaptive import AdaptiveLimits, InFlightSignal, LatencySignal, LoadSignal
from apishield.ratelimit.guard import EventThrottle, RateLimitGuard, StoreErrorPolicy
from apishield.ratelimit.headers import build_headers
from apishield.ratelimit.limiter import Decision, LimitSpec, RateLimiter, compile_limits
from apishield.ratelimit.limits import STRATEGIES, Limit, LimitState, Strategy, parse_limit, parse_limits
from apishield.ratelimit.penalties import PenaltyBox

__all__ = [
    "STRATEGIES",
    "AdaptiveLimits",
    "Decision",
    "EventThrottle",
    "InFlightSignal",
    "LatencySignal",
    "Limit",
    "LimitSpec",
    "LimitState",
    "LoadSignal",
    "PenaltyBox",
    "RateLimitGuard",
    "RateLimiter",
    "StoreErrorPolicy",
    "Strategy",
    "build_headers",
    "compile_limits",
    "keys",
    "parse_limit",
    "parse_limits",
]
