"""Progressive penalties: repeat offenders are banned for longer each time; CIDR allow- and deny-lists.

Keys are usually client addresses (``"203.0.113.9"``), which is what the rate-limit guard and the auth guards
record, so a ban earned by brute-forcing logins also stops rate-limited traffic and vice versa.
Violations (a rate-limit denial, an invalid API key, a failed login) are counted per key in the store.
After ``violations`` of them within ``window`` seconds the key is banned for ``ban_durations[0]``; a key
banned again while its previous ban is remembered (``memory`` seconds) gets the next, longer duration
(1 minute, 10 minutes, 1 hour by default). Bans live in the store, so every process sees them.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from apishield import events
from apishield.errors import ConfigError

if TYPE_CHECKING:
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


@lru_cache(maxsize=4096)
def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


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
        prefix: str = "penalty",
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
        self.store = store
        self.violations = violations
        self.window = float(window)
        self.ban_durations = durations
        self.memory = max(float(memory), max(durations))
        self.allow = _networks(allow, "allow")
        self.deny = _networks(deny, "deny")
        self.prefix = prefix

    def _k(self, kind: str, key: str) -> str:
        return f"{self.prefix}:{kind}:{key}"

    def is_allowed_ip(self, address: str) -> bool:
        """True when ``address`` is in an allow-listed network (never limited, never banned)."""
        ip = _ip(address) if self.allow else None
        return ip is not None and any(ip in net for net in self.allow)

    def is_denied_ip(self, address: str) -> bool:
        """True when ``address`` is in a deny-listed network (always refused)."""
        ip = _ip(address) if self.deny else None
        return ip is not None and any(ip in net for net in self.deny)

    def record_violation(self, key: str) -> float | None:
        """Count one violation; the ban in seconds when this one triggers a ban, else ``None``."""
        if self.is_allowed_ip(key.removeprefix("ip:")):
            return None
        count = self.store.incr(self._k("v", key), 1, ttl=self.window)
        if count != self.violations:
            return None
        level = self.store.incr(self._k("lvl", key), 1, ttl=self.memory)
        duration = self.ban_durations[min(level, len(self.ban_durations)) - 1]
        self.store.set(self._k("ban", key), str(level), ttl=duration)
        self.store.delete(self._k("v", key))
        events.emit("penalty.banned", level=logging.WARNING, client=key, seconds=duration, ban_level=level)
        return duration

    def banned_for(self, key: str) -> float | None:
        """Seconds left on ``key``'s ban, or ``None`` when it is not banned."""
        remaining = self.store.ttl(self._k("ban", key))
        return remaining if remaining is not None and remaining > 0 else None

    def unban(self, key: str) -> None:
        """Lift a ban and forget the key's violations and escalation level."""
        for kind in ("ban", "v", "lvl"):
            self.store.delete(self._k(kind, key))


__all__ = ["PenaltyBox"]
