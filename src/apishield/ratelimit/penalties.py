"""Progressive penalties: repeat offenders are banned for longer each time; CIDR allow- and deny-lists.

Keys are usually client addresses (``"203.0.113.9"``), which is what the rate-limit guard and the auth guards
record, so a ban earned by brute-forcing logins also stops rate-limited traffic and vice versa.
Violations (a rate-limit denial, an invalid API key, a failed login) are counted per key in the store.
After ``violations`` of them within ``window`` seconds the key is banned for ``ban_durations[0]``; a key
banned again while its previous ban is remembered (``memory`` seconds) gets the next, longer duration
(1 minute, 10 minutes, 1 hour by default). Bans live in the store, so every process sees them.
Networks in ``exempt`` are never banned (their violations are not counted) but stay rate limited like every
other client, as fail2ban's ``ignoreip``: for an authorised scanner that sends bad credentials on purpose.
IPv6 clients are counted and banned by their /64 (``ipv6_prefix``), which one client usually owns whole, so
hopping between its addresses does not reset anything; IPv4-mapped addresses count as IPv4.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from apishield import events
from apishield.errors import ConfigError

if TYPE_CHECKING:
    from apishield.ratelimit.limiter import Decision, LimitSpec, RateLimiter
    from apishield.stores.base import Store

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(items: Iterable[str], what: str) -> tuple[IPNetwork, ...]:
    out: list[IPNetwork] = []
    for item in items:
        try:
            out.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError as exc:
            raise ConfigError(f"penalties {what}: {item!r} is not an IP address or CIDR network") from exc
    return tuple(out)


# a canonical dotted quad is its own client group: matched without parsing or caching anything
_CANONICAL_V4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)")


# Small on purpose: every long-lived object allocated while many clients come and go pins a whole arena of
# the allocator, so a cache of thousands of addresses kept the memory of every expired client's state alive.
@lru_cache(maxsize=32)
def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def client_group(key: str, *, ipv6_prefix: int = 64) -> str:
    """The canonical form of a client key: one IPv4 address, or the IPv6 network of ``ipv6_prefix`` bits.

    One client usually owns a whole IPv6 /64 and can pick any address in it, so counting or banning single
    IPv6 addresses would let it start afresh with every request. IPv4-mapped IPv6 addresses count as their
    IPv4 address. Keys that are not an address (``"key:…"``, ``"ip:…"``) are returned unchanged.
    """
    if not isinstance(key, str):
        return str(key)
    if _CANONICAL_V4.fullmatch(key):
        return key
    ip = _ip(key)
    if ip is None:
        return key
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{ip}/{ipv6_prefix}", strict=False))
    return str(ip)


class PenaltyBox:
    """Counts violations and bans keys progressively; knows which addresses are always allowed or denied."""

    def __init__(
        self,
        store: Store,
        *,
        violations: int = 5,
        window: float = 60.0,
        ban_durations: Sequence[float] = (60.0, 600.0, 3600.0),
        memory: float = 86400.0,
        allow: Iterable[str] = (),
        deny: Iterable[str] = (),
        exempt: Iterable[str] = (),
        prefix: str = "penalty",
        ipv6_prefix: int = 64,
    ) -> None:
        if isinstance(violations, bool) or not isinstance(violations, int) or violations < 1:
            raise ConfigError(f"penalties: violations must be a whole number >= 1, not {violations!r}")
        if not window > 0:
            raise ConfigError(f"penalties: window must be > 0 seconds, not {window!r}")
        durations = tuple(float(d) for d in ban_durations)
        if not durations or any(not d > 0 for d in durations):
            raise ConfigError("penalties: ban_durations must list at least one duration > 0 seconds")
        if not memory > 0:
            raise ConfigError(f"penalties: memory must be > 0 seconds, not {memory!r}")
        if isinstance(ipv6_prefix, bool) or not isinstance(ipv6_prefix, int) or not 1 <= ipv6_prefix <= 128:
            raise ConfigError(f"penalties: ipv6_prefix must be a whole number from 1 to 128, not {ipv6_prefix!r}")
        self.ipv6_prefix = ipv6_prefix
        self.store = store
        self.violations = violations
        self.window = float(window)
        self.ban_durations = durations
        self.memory = max(float(memory), max(durations))
        self.allow = _networks(allow, "allow")
        self.deny = _networks(deny, "deny")
        self.exempt = _networks(exempt, "exempt")
        self.prefix = prefix

    def _k(self, kind: str, key: str) -> str:
        # the client is the hash tag: a client's violations, level and ban live in one Redis Cluster slot,
        # next to rate-limit state tagged the same way (see hit())
        return f"{self.prefix}:{kind}:{self.tag(key)}"

    def tag(self, key: str) -> str:
        """``{client}``: the hash tag of ``key``'s penalty state. A rate-limit key that contains it
        (``f"{scope}|{box.tag(ip)}"``) lives in the same Redis Cluster slot as the client's ban."""
        return "{" + client_group(key, ipv6_prefix=self.ipv6_prefix) + "}"

    def hit(
        self, limiter: RateLimiter, ban_key: str, key: str, limits: LimitSpec, cost: int = 1, *,
        tag: str | None = None,
    ) -> tuple[float | None, Decision | None]:
        """The ban check for ``ban_key`` and ``limiter``'s limits for ``key`` in one store call (one round trip).

        ``(seconds banned, None)`` when banned (nothing consumed), else ``(None, decision)``. On a Redis
        Cluster the two share one call when ``key`` carries the same hash tag as the ban key
        (``{client}``); otherwise the store makes two round trips.
        """
        return limiter.hit_unless_banned(key, limits, cost, self.ban_key(ban_key, tag))

    def ban_key(self, ban_key: str, tag: str | None = None) -> str:
        """The store key of ``ban_key``'s ban (a value with a TTL), for store calls that decide a ban together
        with other state (``hit_unless_banned``, :meth:`~apishield.stores.base.Store.add_counters`); ``tag``:
        ``tag(ban_key)`` when the caller has it already."""
        return f"{self.prefix}:ban:{tag}" if tag is not None else self._k("ban", ban_key)

    def is_allowed_ip(self, address: str) -> bool:
        """True when ``address`` is in an allow-listed network (never limited, never banned)."""
        ip = _ip(address) if self.allow else None
        return ip is not None and any(ip in net for net in self.allow)

    def is_denied_ip(self, address: str) -> bool:
        """True when ``address`` is in a deny-listed network (always refused)."""
        ip = _ip(address) if self.deny else None
        return ip is not None and any(ip in net for net in self.deny)

    def is_exempt_ip(self, address: str) -> bool:
        """True when ``address`` is in an exempt network (never banned, still rate limited)."""
        ip = _ip(address) if self.exempt else None
        return ip is not None and any(ip in net for net in self.exempt)

    def record_violation(self, key: str) -> float | None:
        """Count one violation; the ban in seconds when this one triggers a ban, else ``None`` (never for an
        allowed or exempt address)."""
        address = key.removeprefix("ip:")
        if self.is_allowed_ip(address) or self.is_exempt_ip(address):
            return None
        count = self.store.incr(self._k("v", key), 1, ttl=self.window)
        if count != self.violations:
            return None
        level = self.store.incr(self._k("lvl", key), 1, ttl=self.memory)
        duration = self.ban_durations[min(level, len(self.ban_durations)) - 1]
        self.store.set(self._k("ban", key), str(level), ttl=duration)
        self.store.delete(self._k("v", key))
        client = client_group(key, ipv6_prefix=self.ipv6_prefix)
        events.emit("penalty.banned", level=logging.WARNING, client=client, seconds=duration, ban_level=level)
        return duration

    def banned_for(self, key: str) -> float | None:
        """Seconds left on ``key``'s ban, or ``None`` when it is not banned."""
        remaining = self.store.ttl(self._k("ban", key))
        return remaining if remaining is not None and remaining > 0 else None

    def unban(self, key: str) -> None:
        """Lift a ban and forget the key's violations and escalation level."""
        for kind in ("ban", "v", "lvl"):
            self.store.delete(self._k(kind, key))


__all__ = ["PenaltyBox", "client_group"]
