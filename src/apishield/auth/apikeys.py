"""API keys: ``<prefix>_<id>_<secret><checksum>``, stored only as a peppered HMAC, looked up by id.

* The secret is 256 bits from :mod:`secrets`, base62-encoded (43 characters).
* A CRC32 checksum (6 base62 characters) lets us reject typos and random garbage before any store lookup,
  and lets secret scanners recognise our keys (like GitHub's ``ghp_`` tokens).
* The store holds ``HMAC-SHA256(pepper, secret)`` under ``apikey:<id>``: an O(1) lookup, never a scan, and
  a leaked store is useless without the pepper. Comparison uses :func:`hmac.compare_digest`.
* Rotation issues a new secret for the same id; the old secret keeps working for a grace period.
* Listing by owner reads an index set, never the key records' secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from apishield.auth.principal import Principal
from apishield.errors import ConfigError, TokenError, TokenExpired, TokenRevoked
from apishield.ratelimit.limits import parse_limits
from apishield.stores.base import Store
from apishield.types import Clock

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_LENGTH = 12
SECRET_LENGTH = 43  # 62**43 > 2**256
CHECKSUM_LENGTH = 6
MIN_PEPPER_BYTES = 32
_PREFIX_RE = re.compile(r"^[a-z][a-z0-9]{1,15}$")
_B62 = frozenset(ALPHABET)
LAST_USED_RESOLUTION = 60.0  # seconds: last-used timestamps are written at most once a minute per key


def _b62(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        out.append(ALPHABET[rem])
    return "".join(reversed(out))


def _random_b62(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def checksum(body: str) -> str:
    """The 6-character base62 CRC32 of ``<prefix>_<id>_<secret>``."""
    return _b62(zlib.crc32(body.encode()), CHECKSUM_LENGTH)


@dataclass(frozen=True, slots=True)
class ParsedKey:
    prefix: str
    key_id: str
    secret: str


def parse_key(prefix: str, presented: Any) -> ParsedKey:
    """Split and checksum-check a presented key without touching the store. :class:`TokenError` if bad."""
    if not isinstance(presented, str):
        raise TokenError("API key must be a string", reason="malformed")
    expected_len = len(prefix) + 2 + ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH
    if len(presented) != expected_len:
        raise TokenError("malformed API key", reason="malformed")
    parts = presented.split("_")
    if len(parts) != 3 or parts[0] != prefix:
        raise TokenError("malformed API key", reason="malformed")
    key_id, tail = parts[1], parts[2]
    if len(key_id) != ID_LENGTH or not set(key_id) <= _B62 or not set(tail) <= _B62:
        raise TokenError("malformed API key", reason="malformed")
    secret, check = tail[:SECRET_LENGTH], tail[SECRET_LENGTH:]
    if not hmac.compare_digest(check, checksum(presented[: -CHECKSUM_LENGTH])):
        raise TokenError("API key checksum mismatch (typo?)", reason="checksum")
    return ParsedKey(prefix, key_id, secret)


@dataclass(slots=True)
class APIKeyRecord:
    """What the store keeps about a key: metadata plus HMACs of its secret(s), never the secret."""

    key_id: str
    name: str
    owner: str
    digest: str
    scopes: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    rate_limit: str | None = None
    created: float = 0.0
    expires: float | None = None
    revoked: bool = False
    previous: list[tuple[str, float]] = field(default_factory=list)  # (digest, valid until) during rotation

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> APIKeyRecord:
        try:
            data = json.loads(raw)
            data["previous"] = [(str(d), float(u)) for d, u in data.get("previous", [])]
            return cls(**data)
        except (ValueError, TypeError, KeyError) as exc:
            raise TokenError("corrupt API key record", reason="store") from exc

    def public(self) -> dict[str, Any]:
        """Metadata safe to show (no digests)."""
        return {
            "id": self.key_id, "name": self.name, "owner": self.owner, "scopes": self.scopes,
            "routes": self.routes, "rate_limit": self.rate_limit, "created": self.created,
            "expires": self.expires, "revoked": self.revoked,
        }


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A newly created key. ``key`` is shown to the user once and never stored."""

    key: str
    record: APIKeyRecord


class APIKeyManager:
    """Create, verify, list, revoke and rotate API keys in a store."""

    def __init__(
        self,
        store: Store,
        pepper: bytes | str,
        *,
        prefix: str = "ask",
        namespace: str = "apikey",
        clock: Clock = time.time,
    ) -> None:
        if isinstance(pepper, str):
            pepper = pepper.encode()
        if not isinstance(pepper, bytes) or len(pepper) < MIN_PEPPER_BYTES:
            raise ConfigError(
                f"API keys: the pepper must be at least {MIN_PEPPER_BYTES} bytes of random data "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if not isinstance(prefix, str) or not _PREFIX_RE.match(prefix):
            raise ConfigError("API keys: prefix must be 2-16 lowercase letters/digits starting with a letter")
        self.store = store
        self._pepper = pepper
        self.prefix = prefix
        self.ns = namespace
        self.clock = clock

    # --- keys in the store -------------------------------------------------------------------------
    def _k(self, *parts: str) -> str:
        return ":".join((self.ns, *parts))

    def _digest(self, secret: str) -> str:
        return hmac.new(self._pepper, secret.encode(), hashlib.sha256).hexdigest()

    def _load(self, key_id: str) -> APIKeyRecord | None:
        raw = self.store.get(self._k("rec", key_id))
        return None if raw is None else APIKeyRecord.from_json(raw)

    def _save(self, record: APIKeyRecord) -> None:
        self.store.set(self._k("rec", record.key_id), record.to_json())

    def _new_secret(self, key_id: str) -> tuple[str, str]:
        secret = _random_b62(SECRET_LENGTH)
        body = f"{self.prefix}_{key_id}_{secret}"
        return body + checksum(body), secret

    # --- operations ----------------------------------------------------------------------------
    def create(
        self,
        name: str,
        owner: str,
        *,
        scopes: Iterable[str] = (),
        routes: Iterable[str] = (),
        rate_limit: str | None = None,
        ttl: float | None = None,
    ) -> CreatedKey:
        """Create a key; the returned ``key`` string is the only copy of the secret."""
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise ConfigError("API keys: name must be a non-empty string of at most 200 characters")
        if not isinstance(owner, str) or not owner.strip() or len(owner) > 200:
            raise ConfigError("API keys: owner must be a non-empty string of at most 200 characters")
        if rate_limit is not None:
            parse_limits(rate_limit)  # validate now; ConfigError says how to write it
        if ttl is not None and not ttl > 0:
            raise ConfigError("API keys: ttl must be a positive number of seconds")
        now = self.clock()
        while True:
            key_id = _random_b62(ID_LENGTH)
            key, secret = self._new_secret(key_id)
            record = APIKeyRecord(
                key_id=key_id, name=name, owner=owner, digest=self._digest(secret), scopes=sorted(set(scopes)),
                routes=list(routes), rate_limit=rate_limit, created=now,
                expires=None if ttl is None else now + ttl,
            )
            if self.store.set_if_absent(self._k("rec", key_id), record.to_json()):
                break
        self.store.add_member(self._k("owner", owner), key_id)
        self.store.add_member(self._k("all"), key_id)
        return CreatedKey(key, record)

    def verify(self, presented: Any) -> APIKeyRecord:
        """The record of a valid key, or :class:`TokenError` (checksum first, then one O(1) lookup)."""
        parsed = parse_key(self.prefix, presented)
        record = self._load(parsed.key_id)
        digest = self._digest(parsed.secret)
        if record is None:
            raise TokenError("unknown API key", reason="unknown_key")
        now = self.clock()
        matched = hmac.compare_digest(digest, record.digest)
        for old_digest, until in record.previous:
            if hmac.compare_digest(digest, old_digest) and now < until:
                matched = True
        if not matched:
            raise TokenError("wrong API key secret", reason="invalid_key")
        if record.revoked:
            raise TokenRevoked("API key revoked")
        if record.expires is not None and now >= record.expires:
            raise TokenExpired("API key expired")
        if self.store.set_if_absent(self._k("used", record.key_id), str(now), ttl=LAST_USED_RESOLUTION):
            self.store.set(self._k("last", record.key_id), str(now))
        return record

    def last_used(self, key_id: str) -> float | None:
        raw = self.store.get(self._k("last", key_id))
        return None if raw is None else float(raw)

    def get(self, key_id: str) -> APIKeyRecord | None:
        return self._load(key_id) if isinstance(key_id, str) and len(key_id) == ID_LENGTH else None

    def list(self, owner: str | None = None) -> list[APIKeyRecord]:
        """Keys of ``owner`` (or all), from an index set: no scan over secrets."""
        ids = self.store.members(self._k("owner", owner) if owner is not None else self._k("all"))
        return [rec for rec in (self._load(i) for i in ids) if rec is not None]

    def revoke(self, key_id: str) -> APIKeyRecord:
        record = self.get(key_id)
        if record is None:
            raise ConfigError(f"API keys: no key with id {key_id!r}")
        record.revoked = True
        record.previous = []
        self._save(record)
        return record

    def rotate(self, key_id: str, grace: float = 86_400.0) -> CreatedKey:
        """A new secret for ``key_id``; the old one keeps working for ``grace`` seconds."""
        record = self.get(key_id)
        if record is None:
            raise ConfigError(f"API keys: no key with id {key_id!r}")
        if record.revoked:
            raise ConfigError(f"API keys: key {key_id!r} is revoked; create a new one")
        if not grace >= 0:
            raise ConfigError("API keys: grace must be >= 0 seconds")
        now = self.clock()
        key, secret = self._new_secret(key_id)
        kept = [(d, u) for d, u in record.previous if u > now]
        if grace > 0:
            kept.append((record.digest, now + grace))
        record.previous = kept
        record.digest = self._digest(secret)
        self._save(record)
        return CreatedKey(key, record)

    def principal(self, record: APIKeyRecord) -> Principal:
        return Principal(
            subject=record.owner,
            scopes=frozenset(record.scopes),
            auth_method="api_key",
            expires_at=record.expires,
            key_id=record.key_id,
            claims={"name": record.name, "routes": list(record.routes), "rate_limit": record.rate_limit},
        )


def route_allowed(patterns: Sequence[str], route: str) -> bool:
    """True when the key has no route restriction or ``route`` matches one glob pattern (``/tasks/*``)."""
    return not patterns or any(fnmatchcase(route, pattern) for pattern in patterns)


__all__ = [
    "APIKeyManager",
    "APIKeyRecord",
    "CreatedKey",
    "ParsedKey",
    "checksum",
    "parse_key",
    "route_allowed",
]
