"""Single-use, time-limited signed tokens for e-mail verification and password reset (itsdangerous).

Each purpose gets its own salt, so a verification token can never be replayed as a reset token. Keys rotate
itsdangerous-style: a list, oldest first, the last one signs. A token is accepted at most once: its nonce
is recorded in the store with ``set_if_absent`` until the token could have expired. A password-reset token
can also be *bound* to the current password hash, so it dies as soon as the password changes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from apishield.auth.outage import FailClosed
from apishield.errors import ConfigError, TokenError, TokenExpired, TokenRevoked
from apishield.stores.base import Store
from apishield.types import Clock

MIN_SECRET_BYTES = 32
MAX_TOKEN_LENGTH = 4096


class _ClockSigner(TimestampSigner):
    """A TimestampSigner whose notion of "now" is injected (tests never sleep)."""

    def __init__(self, *args: Any, clock: Clock = time.time, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


@dataclass(frozen=True, slots=True)
class SignedClaim:
    subject: str
    issued_at: float


def _fingerprint(bind: str) -> str:
    return hashlib.sha256(bind.encode()).hexdigest()[:32]


class SignedTokens:
    """Issue and consume tokens for one ``purpose`` (``"email-verify"``, ``"password-reset"``...)."""

    def __init__(
        self,
        secret_keys: str | bytes | Sequence[str | bytes],
        purpose: str,
        store: Store,
        *,
        max_age: float = 3600.0,
        namespace: str = "signed",
        clock: Clock = time.time,
    ) -> None:
        keys = [secret_keys] if isinstance(secret_keys, str | bytes) else list(secret_keys)
        if not keys:
            raise ConfigError("signed tokens: give at least one secret key")
        for key in keys:
            raw = key.encode() if isinstance(key, str) else key
            if not isinstance(raw, bytes) or len(raw) < MIN_SECRET_BYTES:
                raise ConfigError(f"signed tokens: every secret key needs at least {MIN_SECRET_BYTES} bytes")
        if not isinstance(purpose, str) or not purpose:
            raise ConfigError("signed tokens: purpose must be a non-empty string")
        if not max_age > 0:
            raise ConfigError("signed tokens: max_age must be > 0 seconds")
        self.purpose = purpose
        self.store = store
        self.max_age = float(max_age)
        self.ns = f"{namespace}:{purpose}"
        self.clock = clock
        self.fail_closed = FailClosed("signed_token.store_error", "This link cannot be checked right now; try again "
                                      "shortly.")
        self._serializer = URLSafeTimedSerializer(
            keys,  # type: ignore[arg-type]
            salt=f"apishield.{purpose}",
            signer=_ClockSigner,
            signer_kwargs={"clock": clock, "digest_method": hashlib.sha256},
        )

    def issue(self, subject: str, *, bind: str | None = None) -> str:
        """A token for ``subject``; ``bind`` (e.g. the current password hash) must match on consume."""
        if not isinstance(subject, str) or not subject:
            raise ConfigError("signed tokens: subject must be a non-empty string")
        payload = {"s": subject, "n": secrets.token_urlsafe(16)}
        if bind is not None:
            payload["b"] = _fingerprint(bind)
        return str(self._serializer.dumps(payload))

    def _load(self, token: Any) -> tuple[dict[str, Any], float]:
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_LENGTH:
            raise TokenError("malformed token", reason="malformed")
        try:
            payload, stamp = self._serializer.loads(token, max_age=int(self.max_age), return_timestamp=True)
        except SignatureExpired as exc:
            raise TokenExpired() from exc
        except (BadData, ValueError, TypeError, OverflowError) as exc:
            raise TokenError("invalid signed token", reason="signature") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("s"), str) or not isinstance(
            payload.get("n"), str
        ):
            raise TokenError("invalid signed token payload", reason="malformed")
        return payload, stamp.timestamp()

    def peek(self, token: Any) -> SignedClaim:
        """Check signature and age without consuming (e.g. to render a reset form)."""
        payload, issued = self._load(token)
        with self.fail_closed:
            used = self.store.get(self._used_key(payload["n"]))
        if used is not None:
            raise TokenRevoked("token already used")
        return SignedClaim(payload["s"], issued)

    def _used_key(self, nonce: str) -> str:
        return f"{self.ns}:used:{hashlib.sha256(nonce.encode()).hexdigest()}"

    def consume(self, token: Any, *, bind: str | None = None) -> SignedClaim:
        """Verify and use up ``token``; a second use raises :class:`TokenRevoked`."""
        payload, issued = self._load(token)
        bound = payload.get("b")
        if bound is not None and (bind is None or not hmac.compare_digest(str(bound), _fingerprint(bind))):
            raise TokenRevoked("token no longer valid (the account changed)")
        with self.fail_closed:
            fresh = self.store.set_if_absent(self._used_key(payload["n"]), "1", ttl=self.max_age + 60)
        if not fresh:
            raise TokenRevoked("token already used")
        return SignedClaim(payload["s"], issued)


__all__ = ["SignedClaim", "SignedTokens"]
