"""Login brute-force protection that an attacker can neither race, bypass nor turn against the account owner.

Every attempt is **reserved before the password hash runs**, in one atomic store call
(:meth:`~apishield.stores.base.Store.add_counters`: one Lua script in Redis, one transaction in SQLite): the
attempt's counters are all taken, or, when any of them is full, none is. The hash runs only when the
reservation holds, so many parallel guesses get exactly ``max_attempts`` password checks per account per
window, however many workers and threads serve them (the old read-lock / hash / count-failure sequence let
dozens through), and a refused attempt consumes nothing (hammering a locked account does not fill the
site-wide counter). A successful login releases the reservation in one more call: it clears the counter of
*that* account (keyed on its canonical identity, see :mod:`apishield.auth.identity`) and gives back the
address and global slots; a failure keeps them. With a :class:`~apishield.ratelimit.penalties.PenaltyBox`,
the client's ban is checked in the same call.

Every counter of one throttle carries the hash tag ``{namespace}``, so in a Redis Cluster they share one slot
and one script decides them atomically, as on a single server. The price: all login counters of a throttle
live on the one master that owns that slot. Every attempt had to reach that master anyway, for the site-wide
counter, and login traffic is bounded by the password hash (tens of milliseconds of CPU per attempt), far
below what one Redis master answers. A penalty box's ban lives in the client's own slot; on a cluster it is
read first, in a second round trip.

Which counters an attempt reserves depends on where it comes from (OWASP "device cookies"):

=====================  =====================================================================================
known device           a valid signed device cookie for *this* account (issued after an earlier successful
                       login): only the device's own counter. The account lock does not apply, so someone
                       guessing from elsewhere cannot lock the owner out; a stolen cookie still gets only
                       ``max_attempts`` guesses per window.
any other source       the address counter (``ip_max_attempts``; an IPv6 client counts per /64), the global
                       anomaly counter (``global_max_attempts`` failed logins for the whole site) and the
                       per-account counter (``max_attempts``).
=====================  =====================================================================================

Windows are fixed: a counter expires ``window`` seconds after its first reservation, and ``Retry-After``
says when. Unknown names are counted exactly like real ones, so the answers do not reveal which exist.
Store failures fail closed: :class:`~apishield.errors.StoreUnavailable` (503 with ``Retry-After``), with one
throttled ``login.store_error`` event rather than one per request.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from itsdangerous import BadData, URLSafeTimedSerializer

from apishield.auth.authenticators import PenaltyBoxLike
from apishield.auth.outage import FailClosed
from apishield.auth.passwords import Passwords
from apishield.errors import ConfigError
from apishield.ratelimit.guard import EventThrottle
from apishield.ratelimit.penalties import client_group
from apishield.stores.base import Store
from apishield.stores.counters import CounterOp
from apishield.types import Clock
from apishield.web.cookies import clocked_signer

LOGIN_FAILED = "Invalid user name or password."
LOGIN_THROTTLED = "Too many login attempts. Try again later."
DEVICE_COOKIE_MAX_AGE = 180 * 86_400


def _account_key(account: object) -> str:
    """A fixed-length key for an account name (NFKC + casefold, the canonical identity's folding)."""
    text = account if isinstance(account, str) else ""  # hostile JSON types all count under one key
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return hashlib.sha256(folded.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(slots=True)
class Reservation:
    """The counters one attempt holds. ``allowed`` is False when any was already at its limit."""

    account: str
    allowed: bool
    retry_after: float | None = None
    trusted_device: bool = False
    release_keys: tuple[str, ...] = ()  # deleted on success: the account's (or the device's) counter
    refund_keys: tuple[str, ...] = ()  # given back on success: address and global slots
    ip: str = ""
    reasons: list[str] = field(default_factory=list)


class LoginThrottle:
    """Reserve-then-check login counters in a :class:`~apishield.stores.base.Store` (see the module doc).

    ``device_secret`` enables device cookies (at least 32 bytes; derive it from the application secret);
    without it every attempt counts as coming from an untrusted source.
    """

    def __init__(
        self,
        store: Store,
        *,
        max_attempts: int = 5,
        ip_max_attempts: int = 20,
        global_max_attempts: int = 1000,
        window: float = 900.0,
        device_secret: str | bytes | None = None,
        device_max_age: float = DEVICE_COOKIE_MAX_AGE,
        penalties: PenaltyBoxLike | None = None,
        namespace: str = "login",
        clock: Clock = time.time,
        store_events: EventThrottle | None = None,
    ) -> None:
        if min(max_attempts, ip_max_attempts, global_max_attempts) < 1:
            raise ConfigError("lockout: max_attempts, ip_max_attempts and global_max_attempts must be >= 1")
        if not isinstance(namespace, str) or not namespace:
            raise ConfigError("lockout: namespace must be a non-empty string")
        if not window > 0 or not device_max_age > 0:
            raise ConfigError("lockout: window and device_max_age must be > 0")
        if device_secret is not None and len(device_secret) < 32:
            raise ConfigError("lockout: device_secret must be at least 32 bytes (derive it from your app secret)")
        self.store = store
        self.max_attempts = max_attempts
        self.ip_max_attempts = ip_max_attempts
        self.global_max_attempts = global_max_attempts
        self.window = float(window)
        self.device_max_age = float(device_max_age)
        self.penalties = penalties
        self.ns = namespace
        # one hash tag for every counter of this throttle: one Redis Cluster slot, so one script decides them
        self._tag = "{" + namespace + "}"
        self.clock = clock
        self.fail_closed = FailClosed("login.store_error", "Login is briefly unavailable; try again shortly.",
                                      store_events)
        self.refusals = EventThrottle()  # an attack makes thousands of 429s: one event per 10 s, with a count
        self._devices = (
            URLSafeTimedSerializer(device_secret, salt=f"{namespace}.device", signer=clocked_signer(clock))
            if device_secret is not None else None
        )

    # --- device cookies ---------------------------------------------------------------------------
    def issue_device(self, account: str) -> str | None:
        """A signed device cookie value for ``account`` (``None`` when device cookies are off)."""
        if self._devices is None:
            return None
        value = self._devices.dumps({"a": _account_key(account), "n": secrets.token_urlsafe(12)})
        return str(value)

    def _device_nonce(self, account_key: str, cookie: object) -> str | None:
        if self._devices is None or not isinstance(cookie, str) or not 0 < len(cookie) <= 512:
            return None
        try:
            data = self._devices.loads(cookie, max_age=int(self.device_max_age))
        except (BadData, ValueError, TypeError, UnicodeError):
            return None
        if not isinstance(data, dict) or data.get("a") != account_key or not isinstance(data.get("n"), str):
            return None  # a cookie for another account grants nothing here
        return str(data["n"])[:64]

    # --- reserve / release ------------------------------------------------------------------------
    def _ban_key(self, ip: str) -> str | None:
        """The penalty box's ban key for ``ip`` when it names one (then the ban is read in the same call)."""
        ban_key = getattr(self.penalties, "ban_key", None)
        return str(ban_key(ip)) if callable(ban_key) else None

    def reserve(self, account: str, ip: str, device: str | None = None) -> Reservation:
        """Count this attempt before any password check, in one store call; raises :class:`StoreUnavailable`
        on store failure."""
        acct = _account_key(account)
        res = Reservation(account=acct, allowed=True, ip=ip)
        with self.fail_closed:
            nonce = self._device_nonce(acct, device)
            if nonce is not None:
                res.trusted_device = True
                ops = [CounterOp(f"{self._tag}:d:{acct}:{nonce}", 1, self.max_attempts, self.window)]
                reasons: tuple[str, ...] = ("device",)
                ban_key = None
            else:
                ops = [
                    CounterOp(f"{self._tag}:ip:{client_group(ip)}", 1, self.ip_max_attempts, self.window),
                    CounterOp(f"{self._tag}:g", 1, self.global_max_attempts, self.window),
                    CounterOp(f"{self._tag}:a:{acct}", 1, self.max_attempts, self.window),
                ]
                reasons = ("address", "global", "account")
                ban_key = self._ban_key(ip) if self.penalties is not None else None
                if self.penalties is not None and ban_key is None:  # a penalty box that only answers banned_for
                    banned = self.penalties.banned_for(ip)
                    if banned is not None and banned > 0:
                        res.allowed, res.retry_after = False, banned
                        res.reasons.append("banned")
                        return res
            counted = self.store.add_counters(ops, ban_key)
        if counted.banned is not None:
            res.allowed, res.retry_after = False, counted.banned
            res.reasons.append("banned")
        elif not counted.allowed:
            res.allowed = False
            res.reasons.extend(reasons[i] for i in counted.refused)
            waits = [counted.ttls[i] for i in counted.refused]
            res.retry_after = max((self.window if w is None else w for w in waits), default=self.window)
        else:
            res.release_keys, res.refund_keys = (ops[-1].key,), tuple(op.key for op in ops[:-1])
        return res

    def release(self, res: Reservation) -> None:
        """Every login condition held, in one store call: clear this account's (or device's) counter and give
        back the other slots."""
        ops = [CounterOp(key, 0, reset=True) for key in res.release_keys]
        ops += [CounterOp(key, -1) for key in res.refund_keys]
        if not ops:
            return
        with self.fail_closed:
            self.store.add_counters(ops)

    def failure(self, res: Reservation) -> None:
        """The password was wrong: the reservation stays counted; penalties and an event."""
        if self.penalties is not None and not res.trusted_device:
            with self.fail_closed:
                self.penalties.record_violation(res.ip)


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    """``subject`` is set only on success; ``message`` is a fixed string otherwise.

    ``device_cookie`` (on success, when device cookies are on) is the value to set as the device cookie.
    """

    ok: bool
    subject: str | None = None
    message: str = ""
    retry_after: float | None = None
    device_cookie: str | None = None

    @property
    def status(self) -> int:
        if self.ok:
            return 200
        return 429 if self.message == LOGIN_THROTTLED else 401 if self.message == LOGIN_FAILED else 403


class LoginService:
    """Password login: reserve, look up, verify (same argon2 cost for unknown users), then release.

    ``lookup(name)`` returns ``(subject, stored_hash)`` or ``None``; ``save_hash(subject, new_hash)`` is called
    when the stored hash should be upgraded. ``accept(subject)`` checks the remaining login conditions (a
    verified e-mail, an active account) after the password matched: it returns ``None`` to allow, or the
    message of a 403 refusal. Only when it allows is the account's counter cleared.
    """

    def __init__(
        self,
        passwords: Passwords,
        throttle: LoginThrottle,
        lookup: Callable[[str], tuple[str, str] | None],
        save_hash: Callable[[str, str], None] | None = None,
        accept: Callable[[str], str | None] | None = None,
    ) -> None:
        self.passwords = passwords
        self.throttle = throttle
        self.lookup = lookup
        self.save_hash = save_hash
        self.accept = accept

    def login(self, username: str, password: str, ip: str, device: str | None = None) -> LoginOutcome:
        """``username`` should already be in canonical form; ``device`` is the presented device cookie."""
        if not isinstance(username, str):  # hostile JSON: never a lookup, same refusal as a wrong password
            username = ""
        res = self.throttle.reserve(username, ip, device)
        if not res.allowed:
            self.throttle.refusals.emit("login.throttled", client_ip=ip, seconds=res.retry_after, reasons=res.reasons)
            return LoginOutcome(False, message=LOGIN_THROTTLED, retry_after=res.retry_after)
        found = self.lookup(username) if 0 < len(username) <= 320 else None
        subject, stored = found if found is not None else (None, None)
        result = self.passwords.verify(stored, password)
        if not result.ok or subject is None:
            self.throttle.failure(res)
            self.throttle.refusals.emit("auth.failure", method="password", client_ip=ip, reason="bad_credentials",
                                        trusted_device=res.trusted_device)
            return LoginOutcome(False, message=LOGIN_FAILED)
        refusal = self.accept(subject) if self.accept is not None else None
        if refusal is not None:
            return LoginOutcome(False, message=refusal)
        self.throttle.release(res)
        if result.new_hash is not None and self.save_hash is not None:
            self.save_hash(subject, result.new_hash)
        return LoginOutcome(True, subject=subject, device_cookie=self.throttle.issue_device(username))


__all__ = ["LOGIN_FAILED", "LOGIN_THROTTLED", "LoginOutcome", "LoginService", "LoginThrottle", "Reservation"]
