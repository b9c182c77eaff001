"""Password hashing (argon2id via argon2-cffi) and a password policy.

* :class:`Passwords` hashes with argon2id, verifies in constant time (argon2's own comparison), reports when
  a stored hash uses outdated parameters so it is rehashed on the next successful login, and verifies
  against a dummy hash for unknown users so response time does not reveal whether an account exists.
* :class:`PasswordPolicy` follows NIST SP 800-63B: length first (>= 12), a bundled list of common passwords,
  no password containing the user name; no composition rules, no forced rotation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from apishield.errors import ConfigError, InputError

MAX_PASSWORD_LENGTH = 1024


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords (lowercase)."""
    text = resources.files("apishield.auth").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


_TRAILING = re.compile(r"[\d\W_]+$")
_LEADING = re.compile(r"^[\d\W_]+")


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """Checks a candidate password; :meth:`problems` lists what is wrong in words a user can act on."""

    min_length: int = 12
    max_length: int = 128
    extra_banned: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.min_length < 8:
            raise ConfigError("password policy: min_length below 8 is not allowed (NIST SP 800-63B)")
        if self.max_length < max(64, self.min_length) or self.max_length > MAX_PASSWORD_LENGTH:
            raise ConfigError(f"password policy: max_length must be between 64 and {MAX_PASSWORD_LENGTH}")

    def _common(self, lowered: str) -> bool:
        banned = common_passwords() | self.extra_banned
        if lowered in banned:
            return True
        core = _LEADING.sub("", _TRAILING.sub("", lowered))
        return bool(core) and core in banned and len(lowered) - len(core) <= 8

    def problems(self, password: str, *, username: str | None = None, context: Iterable[str] = ()) -> list[str]:
        """Empty when acceptable. ``context`` adds words (e-mail, site name) the password must not contain."""
        if not isinstance(password, str):
            return ["the password must be text"]
        if len(password) <= MAX_PASSWORD_LENGTH and not _encodable(password):
            return ["the password contains characters that are not valid Unicode text"]
        out: list[str] = []
        length = len(password)
        if length < self.min_length:
            out.append(f"use at least {self.min_length} characters")
        if length > self.max_length:
            out.append(f"use at most {self.max_length} characters")
        lowered = password.lower()
        if self._common(lowered):
            out.append("this password is too common; choose a less predictable one (a passphrase works well)")
        names = [username or "", *context]
        if username and "@" in username:
            names.append(username.split("@", 1)[0])
        for name in names:
            if isinstance(name, str) and len(name) >= 3 and name.lower() in lowered:
                out.append("do not include your user name or e-mail in the password")
                break
        if length and len(set(password)) < 4:
            out.append("use more different characters")
        return out

    def check(self, password: str, *, username: str | None = None, context: Iterable[str] = ()) -> None:
        """Raise :class:`~apishield.errors.InputError` (a ValueError) listing the problems; a form layer turns it
        into a 422."""
        found = self.problems(password, username=username, context=context)
        if found:
            raise InputError("; ".join(found))


def _encodable(password: object) -> bool:
    """Text argon2 can hash: a ``str`` of bounded length that encodes to UTF-8 (no lone surrogates)."""
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """``ok`` when the password matched; ``new_hash`` set when the stored hash should be replaced."""

    ok: bool
    new_hash: str | None = None


class Passwords:
    """argon2id hashing with rehash-on-login. Defaults are argon2-cffi's (RFC 9106 low-memory profile)."""

    def __init__(
        self,
        *,
        time_cost: int = 3,
        memory_cost: int = 65_536,
        parallelism: int = 4,
        policy: PasswordPolicy | None = None,
    ) -> None:
        if time_cost < 1 or memory_cost < 8 * parallelism or parallelism < 1:
            raise ConfigError("passwords: argon2 time_cost >= 1, parallelism >= 1, memory_cost >= 8 * parallelism")
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        self.policy = policy or PasswordPolicy()
        self._dummy = self.hasher.hash("apishield-dummy-password-for-unknown-users")

    def hash(self, password: str) -> str:
        """The argon2id hash; :class:`~apishield.errors.InputError` (a ValueError) for anything that is not
        encodable text of a sane length."""
        if not _encodable(password):
            raise InputError(f"passwords must be text of at most {MAX_PASSWORD_LENGTH} characters")
        return self.hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> VerifyResult:
        """Check ``password``; ``stored_hash=None`` (unknown user) costs the same time and never matches."""
        if not _encodable(password):  # a lone surrogate cannot be UTF-8 encoded: spend the time, never match
            stored_hash, password = None, ""
        target = stored_hash if isinstance(stored_hash, str) and stored_hash else self._dummy
        try:
            self.hasher.verify(target, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return VerifyResult(False)
        if target is self._dummy:
            return VerifyResult(False)
        if self.hasher.check_needs_rehash(target):
            return VerifyResult(True, self.hasher.hash(password))
        return VerifyResult(True)


__all__ = ["PasswordPolicy", "Passwords", "VerifyResult", "common_passwords"]
