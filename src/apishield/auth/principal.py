"""Who made a request, and what they may do: :class:`Principal` and :func:`require`.

Every authenticator (JWT bearer, API key, OAuth2 access token, session) answers with a :class:`Principal`.
Authorization is a separate, pure step: :func:`require` compiles a scope/role requirement once and refuses
with the right status — 401 with an RFC 6750 ``WWW-Authenticate`` challenge when nobody authenticated,
403 ``insufficient_scope`` when somebody did but lacks the grant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from apishield.errors import ConfigError, Reject

Mode = Literal["all", "any"]


def _names(value: str | Iterable[str] | None, what: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    items = value.split() if isinstance(value, str) else list(value)
    out: set[str] = set()
    for item in items:
        if not isinstance(item, str) or not item or any(ch.isspace() or ch in '"\\' for ch in item):
            raise ConfigError(f"{what}: {item!r} is not a valid name (no spaces, quotes or backslashes)")
        out.add(item)
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller.

    ``auth_method`` says how it authenticated (``"jwt"``, ``"api_key"``, ``"oauth2"``, ``"session"``);
    ``expires_at`` (epoch seconds) lets caches drop it on time; ``claims`` carries the verified token claims
    or key metadata — never a secret.
    """

    subject: str
    scopes: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    auth_method: str = "unknown"
    expires_at: float | None = None
    key_id: str | None = None
    claims: Mapping[str, Any] = field(default_factory=dict)

    def has_scopes(self, scopes: Iterable[str], mode: Mode = "all") -> bool:
        wanted = set(scopes)
        if not wanted:
            return True
        return wanted <= self.scopes if mode == "all" else bool(wanted & self.scopes)

    def has_roles(self, roles: Iterable[str], mode: Mode = "all") -> bool:
        wanted = set(roles)
        if not wanted:
            return True
        return wanted <= self.roles if mode == "all" else bool(wanted & self.roles)


_NONE: frozenset[str] = frozenset()


class Requirement:
    """A compiled scope/role requirement. Call it (or :meth:`check`) with the principal or ``None``."""

    __slots__ = ("_challenge", "mode", "realm", "roles", "scopes")

    def __init__(
        self,
        scopes: str | Iterable[str] | None = None,
        roles: str | Iterable[str] | None = None,
        mode: Mode = "all",
        realm: str = "api",
    ) -> None:
        if mode not in ("all", "any"):
            raise ConfigError(f"require: mode must be 'all' or 'any', not {mode!r}")
        if not isinstance(realm, str) or any(ch in realm for ch in '"\\\r\n'):
            raise ConfigError("require: realm must be a plain string without quotes or line breaks")
        self.scopes = _names(scopes, "require scopes")
        self.roles = _names(roles, "require roles")
        self.mode: Mode = mode
        self.realm = realm
        self._challenge = f'Bearer realm="{realm}"'

    def check(self, principal: Any) -> Any:
        """Return the principal when allowed; raise :class:`Reject` 401 or 403 otherwise."""
        if principal is None:
            raise Reject(401, "Authentication is required.", headers={"WWW-Authenticate": self._challenge})
        scopes: Any = _NONE
        roles: Any = _NONE
        if self.scopes:
            scopes = getattr(principal, "scopes", None)
            if type(scopes) is not frozenset:  # granted()'s fast case inlined: a Principal holds frozensets
                scopes = granted(principal, "scopes")
        if self.roles:
            roles = getattr(principal, "roles", None)
            if type(roles) is not frozenset:
                roles = granted(principal, "roles")
        if self.mode == "all":
            ok = self.scopes <= scopes and self.roles <= roles
        else:
            wanted = bool(self.scopes or self.roles)
            ok = not wanted or bool(self.scopes & scopes) or bool(self.roles & roles)
        if ok:
            return principal
        headers: dict[str, str] = {}
        if self.scopes:
            scope = " ".join(sorted(self.scopes))
            headers["WWW-Authenticate"] = f'{self._challenge}, error="insufficient_scope", scope="{scope}"'
        raise Reject(403, "The credentials do not grant access to this resource.", headers=headers)

    def invalid_token(self, description: str = "The access token is invalid or expired.") -> Reject:
        """The 401 to raise when credentials were presented but failed verification (RFC 6750 §3.1)."""
        return Reject(401, description, headers={"WWW-Authenticate": f'{self._challenge}, error="invalid_token"'})

    __call__ = check


def granted(principal: Any, attribute: str) -> frozenset[str]:
    """The ``scopes`` or ``roles`` a principal holds (any object with such an attribute: a set, a list or a
    space-separated string); nothing when it has none."""
    value = getattr(principal, attribute, ())
    if type(value) is frozenset:
        return value
    if isinstance(value, str):
        return frozenset(value.split())
    try:
        return frozenset(value)
    except TypeError:
        return frozenset()


def require(
    scopes: str | Iterable[str] | None = None,
    roles: str | Iterable[str] | None = None,
    mode: Mode = "all",
    realm: str = "api",
) -> Requirement:
    """Compile a requirement: ``require(scopes=["tasks:read"])(principal)`` returns it or raises Reject."""
    return Requirement(scopes, roles, mode, realm)


def parse_scopes(value: Any) -> frozenset[str]:
    """Scopes from a claim: a space-separated string (RFC 8693/9068 ``scope``) or a list of strings."""
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list | tuple):
        return frozenset(item for item in value if isinstance(item, str) and item and " " not in item)
    return frozenset()


__all__ = ["Mode", "Principal", "Requirement", "granted", "parse_scopes", "require"]
