"""Key functions: what identifies "one client" for a rate limit.

Each takes a :class:`~apishield.request.RequestView` and returns a string key (never a raw secret: API keys
are hashed). ``view.client_ip`` is already resolved by the adapter with explicit trusted proxies, so
``X-Forwarded-For`` from an untrusted peer never changes the key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from apishield.ratelimit.penalties import client_group
from apishield.request import RequestView

KeyFunc = Callable[[RequestView], str]


def client_ip(view: RequestView, *, ipv6_prefix: int = 64) -> str:
    """``ip:<address>``: the library's one client identity (:func:`~apishield.ratelimit.penalties.client_group`,
    which the penalty box counts by too). IPv6 addresses are grouped by their /64, which one client usually
    owns whole; IPv4-mapped IPv6 addresses (``::ffff:a.b.c.d``) count as their IPv4 address."""
    address = view.client_ip
    if ":" not in address:  # IPv4 (or not an address): already canonical, skip the parse on the hot path
        return "ip:" + address
    return "ip:" + client_group(address, ipv6_prefix=ipv6_prefix)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def api_key(header: str = "X-API-Key") -> KeyFunc:
    """Key by the API key in ``header`` (hashed); clients without one are keyed by address."""

    def key(view: RequestView) -> str:
        value = view.headers.get(header)
        if not value:
            auth = view.headers.get("authorization") or ""
            scheme, _, token = auth.partition(" ")
            value = token.strip() if scheme.lower() in ("bearer", "apikey") and token.strip() else None
        return f"key:{_digest(value)}" if value else client_ip(view)

    return key


def user(view: RequestView) -> str:
    """Key by the authenticated principal (``view.state["principal"]``); anonymous clients by address."""
    principal = view.state.get("principal")
    if principal is None:
        return client_ip(view)
    subject = getattr(principal, "subject", None) or getattr(principal, "id", None) or principal
    return f"user:{_digest(str(subject))}"


def route(view: RequestView) -> str:
    """One shared budget per route (all clients together): protects an expensive endpoint."""
    return f"route:{view.method} {view.route_or_path}"


def per_route(inner: KeyFunc = client_ip) -> KeyFunc:
    """``inner``'s key, separately for each route."""

    def key(view: RequestView) -> str:
        return f"{view.method} {view.route_or_path}|{inner(view)}"

    return key


KEY_FUNCS: dict[str, KeyFunc] = {"ip": client_ip, "api_key": api_key(), "user": user, "route": route}

__all__ = ["KEY_FUNCS", "KeyFunc", "api_key", "client_ip", "per_route", "route", "user"]
