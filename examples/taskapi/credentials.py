"""Credential primitives used by :mod:`taskapi.security`, each standing on a well-kept library.

argon2-cffi for passwords, joserfc for JWT access tokens, itsdangerous for e-mail verification tokens,
``secrets`` for every random value, and the apishield store for shared state (lockouts, refresh-token
families, single-use authorization codes), so several server processes agree.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from apishield.errors import TokenError, TokenExpired

Clock = Callable[[], float]

# --- state store ------------------------------------------------------------------------------------


def open_store(url: str, clock: Clock) -> Any:
    """The apishield store named by ``url`` (``sqlite:///…``, ``redis://…``, ``memory://``)."""
    from apishield.stores import from_url

    return from_url(url, clock=clock)


def rate_limit_config(default_limit: str) -> dict[str, Any]:
    """Shield rate-limit settings: a default per client address; the auth routes set tighter ones."""
    return {"default_limits": [default_limit], "key": "ip"}


# --- passwords --------------------------------------------------------------------------------------
COMMON_PASSWORDS = frozenset({
    "password", "password1", "123456", "12345678", "123456789", "1234567890", "qwerty", "qwertyuiop",
    "letmein", "welcome", "iloveyou", "admin", "administrator", "changeme", "secret", "passw0rd",
    "password123", "trustno1", "football", "baseball", "monkey", "dragon", "sunshine", "princess",
})
MIN_LENGTH = 12
MAX_LENGTH = 256


class Passwords:
    """argon2id hashing (the library's RFC 9106 low-memory profile) and a length-first password policy."""

    def __init__(self) -> None:
        self._hasher = PasswordHasher()
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def problems(self, password: str, username: str, email: str) -> list[str]:
        """Why ``password`` is refused (empty list: accepted). NIST 800-63B style: length, not character classes."""
        found = []
        if len(password) < MIN_LENGTH:
            found.append(f"at least {MIN_LENGTH} characters")
        if len(password) > MAX_LENGTH:
            found.append(f"at most {MAX_LENGTH} characters")
        lowered = password.lower()
        if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
            found.append("too common or repetitive")
        local = email.split("@", 1)[0].lower()
        if username.lower() in lowered or (len(local) >= 3 and local in lowered):
            found.append("must not contain the username or e-mail address")
        return found

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> tuple[bool, str | None]:
        """``(ok, new_hash_or_None)``. Unknown users are checked against a dummy hash: same cost, same answer."""
        try:
            self._hasher.verify(stored_hash or self._dummy, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, None
        if stored_hash is None:
            return False, None
        return True, self._hasher.hash(password) if self._hasher.check_needs_rehash(stored_hash) else None


class Lockout:
    """After ``threshold`` failures within ``window`` seconds an account is locked for ``window`` seconds."""

    def __init__(self, store: Any, threshold: int = 5, window: float = 900.0) -> None:
        self.store = store
        self.threshold = threshold
        self.window = window

    def _key(self, account: str) -> str:
        return "taskapi:lockout:" + hashlib.sha256(account.encode()).hexdigest()

    def locked_for(self, account: str) -> int | None:
        value = self.store.get(self._key(account) + ":until")
        if value is None:
            return None
        return max(1, int(float(value) - self.store.now()) + 1)

    def failure(self, account: str) -> None:
        key = self._key(account)
        if self.store.incr(key, 1, ttl=self.window) >= self.threshold:
            self.store.set(key + ":until", str(self.store.now() + self.window), ttl=self.window)
            self.store.delete(key)

    def success(self, account: str) -> None:
        self.store.delete(self._key(account))


# --- e-mail verification ---------------------------------------------------------------------------
class VerificationTokens:
    """Signed, timed e-mail verification tokens (itsdangerous, own salt, 24 h)."""

    def __init__(self, secret: str, *, max_age: int = 86_400, clock: Clock = time.time) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="taskapi.verify-email")
        self.max_age = max_age
        self.clock = clock

    def issue(self, user_id: int) -> str:
        return str(self._serializer.dumps({"uid": user_id}))

    def check(self, token: str) -> int:
        try:
            data = self._serializer.loads(token, max_age=self.max_age)
        except SignatureExpired:
            raise TokenExpired() from None
        except BadSignature:
            raise TokenError("bad verification token") from None
        uid = data.get("uid") if isinstance(data, dict) else None
        if not isinstance(uid, int):
            raise TokenError("bad verification token")
        return uid


# --- OAuth 2.0 authorization codes ----------------------------------------------------------------
class AuthorizationCodes:
    """Single-use codes (60 s) holding the grant; redeemed atomically with the store's ``pop``."""

    PREFIX = "taskapi:oauth-code:"

    def __init__(self, store: Any, ttl: float = 60.0) -> None:
        self.store = store
        self.ttl = ttl

    def issue(self, grant: Mapping[str, Any]) -> str:
        code = secrets.token_urlsafe(32)
        self.store.set(self.PREFIX + hashlib.sha256(code.encode()).hexdigest(), json.dumps(dict(grant)), ttl=self.ttl)
        return code

    def redeem(self, code: str) -> dict[str, str]:
        if not code or len(code) > 256:
            raise TokenError("bad code", reason="invalid_grant")
        raw = self.store.pop(self.PREFIX + hashlib.sha256(code.encode()).hexdigest())
        if raw is None:
            raise TokenError("unknown or used code", reason="invalid_grant")
        grant: dict[str, str] = json.loads(raw)
        return grant
