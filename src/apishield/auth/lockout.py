"""Login brute-force protection: progressive delays per account and per client IP.

After ``free_attempts`` failures within ``window`` seconds, each further failure locks the account (or IP)
for ``base_delay * 2**n`` seconds, capped at ``max_delay``. Locks are temporary (a hard lockout would let
anyone lock out any user). Accounts are tracked by a hash of the normalised name, *whether or not the
account exists*, so the behaviour and the messages are identical for real and invented names.

:class:`LoginService` wires this to :class:`~apishield.auth.passwords.Passwords`: a locked attempt is
refused without checking the password, unknown users cost the same argon2 time as known ones, and every
refusal uses one of two fixed messages.
"""

from __future__ import annotations

import hashlib
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from apishield import events
from apishield.auth.authenticators import PenaltyBoxLike
from apishield.auth.passwords import Passwords
from apishield.errors import ConfigError
from apishield.ratelimit.penalties import client_group
from apishield.stores.base import Store
from apishield.types import Clock

LOGIN_FAILED = "Invalid user name or password."
LOGIN_THROTTLED = "Too many login attempts. Try again later."


def _account_key(account: str) -> str:
    if not isinstance(account, str):  # a JSON body may carry any type; count those under one key
        account = ""
    normalised = unicodedata.normalize("NFKC", account).strip().casefold()
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class LoginThrottle:
    """Counts failed logins per account and per IP in the store and imposes growing delays."""

    def __init__(
        self,
        store: Store,
        *,
        free_attempts: int = 5,
        ip_free_attempts: int = 20,
        base_delay: float = 1.0,
        max_delay: float = 900.0,
        window: float = 3600.0,
        penalties: PenaltyBoxLike | None = None,
        namespace: str = "login",
        clock: Clock = time.time,
    ) -> None:
        if free_attempts < 1 or ip_free_attempts < 1:
            raise ConfigError("lockout: free_attempts and ip_free_attempts must be >= 1")
        if not 0 < base_delay <= max_delay or not window > 0:
            raise ConfigError("lockout: need 0 < base_delay <= max_delay and window > 0")
        self.store = store
        self.free_attempts = free_attempts
        self.ip_free_attempts = ip_free_attempts
        self.base_delay = float(base_delay)
        self.max_delay = float(max_delay)
        self.window = float(window)
        self.penalties = penalties
        self.ns = namespace
        self.clock = clock

    def _keys(self, account: str, ip: str) -> tuple[tuple[str, str, int], tuple[str, str, int]]:
        acct = _account_key(account)
        ip = client_group(ip)  # an IPv6 client owns its whole /64; IPv4-mapped counts as IPv4
        return (
            (f"{self.ns}:fail:a:{acct}", f"{self.ns}:lock:a:{acct}", self.free_attempts),
            (f"{self.ns}:fail:ip:{ip}", f"{self.ns}:lock:ip:{ip}", self.ip_free_attempts),
        )

    def retry_after(self, account: str, ip: str) -> float | None:
        """Seconds until another attempt is allowed, or ``None`` when one is allowed now."""
        waits = [self.store.ttl(lock) for _, lock, _ in self._keys(account, ip)]
        if self.penalties is not None:
            waits.append(self.penalties.banned_for(ip))
        remaining = [w for w in waits if w is not None and w > 0]
        return max(remaining) if remaining else None

    def failure(self, account: str, ip: str) -> float | None:
        """Record a failed attempt; the delay now imposed (seconds), if any."""
        imposed: float | None = None
        for counter, lock, free in self._keys(account, ip):
            count = self.store.incr(counter, 1, ttl=self.window)
            if count > free:
                delay = min(self.max_delay, self.base_delay * 2 ** min(count - free - 1, 40))
                self.store.set(lock, "1", ttl=delay)
                imposed = max(imposed or 0.0, delay)
        if self.penalties is not None:
            self.penalties.record_violation(ip)
        if imposed is not None:
            events.emit("login.throttled", client_ip=ip, seconds=imposed)
        return imposed

    def success(self, account: str, ip: str) -> None:
        """Forget the account's failures (the IP's counter keeps counting: one IP, many accounts)."""
        (counter, lock, _), _ = self._keys(account, ip)
        self.store.delete(counter)
        self.store.delete(lock)


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    """``subject`` is set only on success; ``message`` is one of two fixed strings otherwise."""

    ok: bool
    subject: str | None = None
    message: str = ""
    retry_after: float | None = None

    @property
    def status(self) -> int:
        return 200 if self.ok else 429 if self.message == LOGIN_THROTTLED else 401


class LoginService:
    """Password login with throttling, timing-uniform unknown users and rehash-on-login.

    ``lookup(username)`` returns ``(subject, stored_hash)`` or ``None``; ``save_hash(subject, new_hash)`` is
    called when the stored hash should be upgraded to the current argon2 parameters.
    """

    def __init__(
        self,
        passwords: Passwords,
        throttle: LoginThrottle,
        lookup: Callable[[str], tuple[str, str] | None],
        save_hash: Callable[[str, str], None] | None = None,
    ) -> None:
        self.passwords = passwords
        self.throttle = throttle
        self.lookup = lookup
        self.save_hash = save_hash

    def login(self, username: str, password: str, ip: str) -> LoginOutcome:
        if not isinstance(username, str):  # hostile JSON: never a lookup, same refusal as a wrong password
            username = ""
        wait = self.throttle.retry_after(username, ip)
        if wait is not None:
            return LoginOutcome(False, message=LOGIN_THROTTLED, retry_after=wait)
        found = self.lookup(username) if isinstance(username, str) and 0 < len(username) <= 320 else None
        subject, stored = found if found is not None else (None, None)
        result = self.passwords.verify(stored, password)
        if not result.ok or subject is None:
            delay = self.throttle.failure(username, ip)
            events.emit("auth.failure", method="password", client_ip=ip, reason="bad_credentials")
            return LoginOutcome(False, message=LOGIN_FAILED, retry_after=delay)
        self.throttle.success(username, ip)
        if result.new_hash is not None and self.save_hash is not None:
            self.save_hash(subject, result.new_hash)
        return LoginOutcome(True, subject=subject)


__all__ = ["LOGIN_FAILED", "LOGIN_THROTTLED", "LoginOutcome", "LoginService", "LoginThrottle"]
