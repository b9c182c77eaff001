"""TOTP second factor (RFC 6238) via pyotp, with replay protection through the store.

A code is accepted for the current 30-second step and one step either side (clock drift). Each accepted
step is recorded per account with ``set_if_absent``, and steps not newer than the last accepted one are
refused, so an observed code cannot be used twice. Limit guessing with :class:`~apishield.auth.lockout.
LoginThrottle` as for passwords (a 6-digit code has only a million values).
"""

from __future__ import annotations

import hashlib
import hmac
import time

import pyotp

from apishield.auth.outage import FailClosed
from apishield.errors import ConfigError
from apishield.stores.base import Store
from apishield.types import Clock


class TOTP:
    """Enrol and verify TOTP codes. Secrets are base32 strings (160 bits), kept by the caller, encrypted."""

    def __init__(
        self,
        store: Store,
        *,
        issuer: str = "apishield",
        digits: int = 6,
        interval: int = 30,
        valid_window: int = 1,
        namespace: str = "totp",
        clock: Clock = time.time,
    ) -> None:
        if digits not in (6, 8) or interval < 15 or not 0 <= valid_window <= 2:
            raise ConfigError("TOTP: digits 6 or 8, interval >= 15 s, valid_window 0..2")
        self.store = store
        self.issuer = issuer
        self.digits = digits
        self.interval = interval
        self.valid_window = valid_window
        self.ns = namespace
        self.clock = clock
        self.fail_closed = FailClosed("totp.store_error", "Codes cannot be checked right now; try again shortly.")

    @staticmethod
    def new_secret() -> str:
        return pyotp.random_base32(32)

    def provisioning_uri(self, secret: str, account: str) -> str:
        """The ``otpauth://`` URI to show as a QR code at enrolment."""
        return self._totp(secret).provisioning_uri(name=account, issuer_name=self.issuer)

    def _totp(self, secret: str) -> pyotp.TOTP:
        return pyotp.TOTP(secret, digits=self.digits, interval=self.interval)

    def _account(self, account: str) -> str:
        return hashlib.sha256(account.encode()).hexdigest()[:32]

    def verify(self, account: str, secret: str, code: object) -> bool:
        """True once per valid code; False for wrong, malformed, expired or replayed codes."""
        if not isinstance(code, str):
            return False
        code = code.strip().replace(" ", "")
        if len(code) != self.digits or not code.isdigit() or not code.isascii():
            return False
        try:
            totp = self._totp(secret)
            now = self.clock()
            step_now = int(now // self.interval)
            matched: int | None = None
            for offset in range(-self.valid_window, self.valid_window + 1):
                step = step_now + offset
                if hmac.compare_digest(totp.generate_otp(step), code):
                    matched = step
        except (ValueError, TypeError) as exc:  # a malformed secret is a server-side error
            raise ConfigError("TOTP: the stored secret is not valid base32") from exc
        if matched is None:
            return False
        acct = self._account(account)
        with self.fail_closed:  # no replay check, no login: a store outage is a 503, never a pass
            last = self.store.get(f"{self.ns}:last:{acct}")
            if last is not None and matched <= int(last):
                return False
            ttl = float(self.interval * (2 * self.valid_window + 2))
            if not self.store.set_if_absent(f"{self.ns}:step:{acct}:{matched}", "1", ttl=ttl):
                return False
            self.store.set(f"{self.ns}:last:{acct}", str(matched), ttl=ttl)
        return True


__all__ = ["TOTP"]
