"""Cookie attributes done right, and signed cookies with key rotation (itsdangerous).

:func:`build_set_cookie` writes a ``Set-Cookie`` value and refuses combinations browsers would reject or
that weaken the cookie (a ``__Host-`` cookie with a ``Domain``, ``SameSite=None`` without ``Secure``).

:class:`SignedCookies` keeps small client-side values tamper-proof. Keys are a list, **oldest first**: the
last key signs, every key verifies, so rotating means appending a new key and later dropping the oldest.
Signing uses itsdangerous (HMAC-SHA256 with a salt per purpose) and timestamps so values can expire.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Sequence
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from apishield.errors import ConfigError, TokenError, TokenExpired
from apishield.events import emit
from apishield.request import RequestView
from apishield.types import Clock

_NAME_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VALUE_RE = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")
_DOMAIN_RE = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
SAME_SITE = ("Strict", "Lax", "None")
MIN_KEY_BYTES = 32


def build_set_cookie(
    name: str,
    value: str,
    *,
    max_age: int | None = None,
    path: str = "/",
    domain: str | None = None,
    secure: bool = True,
    http_only: bool = True,
    same_site: str = "Lax",
    partitioned: bool = False,
) -> str:
    """A ``Set-Cookie`` header value; :class:`ConfigError` for unsafe or invalid attributes."""
    if not _NAME_RE.fullmatch(name):
        raise ConfigError(f"cookie name {name!r} is not a valid token")
    if not _VALUE_RE.fullmatch(value):
        raise ConfigError(f"cookie {name}: the value has characters cookies cannot carry; encode it first")
    if same_site not in SAME_SITE:
        raise ConfigError(f"cookie {name}: SameSite must be one of {SAME_SITE}")
    if same_site == "None" and not secure:
        raise ConfigError(f"cookie {name}: SameSite=None requires Secure")
    if partitioned and not secure:
        raise ConfigError(f"cookie {name}: Partitioned requires Secure")
    if name.startswith("__Host-") and (not secure or path != "/" or domain is not None):
        raise ConfigError(f"cookie {name}: a __Host- cookie must be Secure, with Path=/ and no Domain")
    if name.startswith("__Secure-") and not secure:
        raise ConfigError(f"cookie {name}: a __Secure- cookie must be Secure")
    if not path.startswith("/") or ";" in path or any(ord(c) < 0x21 or ord(c) > 0x7E for c in path):
        raise ConfigError(f"cookie {name}: Path must start with '/' and contain no ';' or spaces")
    parts = [f"{name}={value}", f"Path={path}"]
    if domain is not None:
        if not _DOMAIN_RE.fullmatch(domain.lower().lstrip(".")):
            raise ConfigError(f"cookie {name}: Domain {domain!r} is not a host name")
        parts.append(f"Domain={domain.lower().lstrip('.')}")
    if max_age is not None:
        if isinstance(max_age, bool) or not isinstance(max_age, int):
            raise ConfigError(f"cookie {name}: Max-Age must be an integer")
        parts.append(f"Max-Age={max(0, max_age)}")
    if secure:
        parts.append("Secure")
    if http_only:
        parts.append("HttpOnly")
    parts.append(f"SameSite={same_site}")
    if partitioned:
        parts.append("Partitioned")
    return "; ".join(parts)


def expire_cookie(name: str, *, path: str = "/", domain: str | None = None, secure: bool = True,
                  same_site: str = "Lax") -> str:
    """A ``Set-Cookie`` value that deletes the cookie (empty value, ``Max-Age=0``)."""
    return build_set_cookie(name, "", max_age=0, path=path, domain=domain, secure=secure, same_site=same_site)


def validate_keys(keys: Sequence[str | bytes], what: str) -> list[bytes]:
    if isinstance(keys, (str, bytes)):
        keys = [keys]
    out: list[bytes] = []
    for key in keys:
        raw = key.encode() if isinstance(key, str) else key
        if not isinstance(raw, bytes) or len(raw) < MIN_KEY_BYTES:
            raise ConfigError(
                f"{what}: every key must be at least {MIN_KEY_BYTES} bytes; generate one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        out.append(raw)
    if not out:
        raise ConfigError(f"{what}: give at least one key")
    return out


def clocked_signer(clock: Clock) -> type[TimestampSigner]:
    """An itsdangerous timestamp signer whose notion of *now* is ``clock`` (tests never sleep)."""

    class _ClockedSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock())

    return _ClockedSigner


class SignedCookies:
    """Tamper-proof cookie values. ``keys`` are oldest first; the newest (last) signs, all verify."""

    def __init__(
        self,
        keys: Sequence[str | bytes],
        *,
        salt: str = "apishield.cookie",
        max_age: int | None = None,
        clock: Clock = time.time,
    ) -> None:
        checked = validate_keys(keys, "SignedCookies")
        if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, int) or max_age <= 0):
            raise ConfigError("SignedCookies: max_age must be a positive number of seconds or None")
        self.max_age = max_age
        self._serializer = URLSafeTimedSerializer(
            checked,
            salt=salt,
            signer=clocked_signer(clock),
            signer_kwargs={"digest_method": hashlib.sha256, "key_derivation": "hmac"},
        )

    def dumps(self, value: Any) -> str:
        """Sign a JSON-serialisable value into a cookie-safe string."""
        return str(self._serializer.dumps(value))

    def loads(self, token: str, *, max_age: int | None = None) -> Any:
        """The value inside ``token``; :class:`TokenExpired` when too old, :class:`TokenError` when forged."""
        limit = max_age if max_age is not None else self.max_age
        try:
            return self._serializer.loads(token, max_age=limit)
        except SignatureExpired as exc:
            raise TokenExpired("signed cookie expired") from exc
        except BadSignature as exc:
            raise TokenError("signed cookie is invalid", reason="bad_signature") from exc
        except (ValueError, TypeError, UnicodeError) as exc:
            raise TokenError("signed cookie is malformed", reason="malformed") from exc

    def set_cookie(self, name: str, value: Any, **attributes: Any) -> str:
        """A ``Set-Cookie`` value carrying ``value`` signed; Max-Age defaults to this instance's ``max_age``."""
        attributes.setdefault("max_age", self.max_age)
        return build_set_cookie(name, self.dumps(value), **attributes)

    def read(self, view: RequestView, name: str, *, max_age: int | None = None) -> Any | None:
        """The verified value of cookie ``name``, or None when absent, expired or tampered with."""
        token = view.cookies.get(name)
        if token is None:
            return None
        try:
            return self.loads(token, max_age=max_age)
        except TokenError as exc:
            emit("cookie.signature_rejected", name=name, reason=exc.reason)
            return None


__all__ = [
    "MIN_KEY_BYTES",
    "SAME_SITE",
    "SignedCookies",
    "build_set_cookie",
    "clocked_signer",
    "expire_cookie",
    "validate_keys",
]
