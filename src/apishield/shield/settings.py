"""Route settings: what one route (or a group of routes) asks of the shield, and where they come from.

:class:`RouteSettings` are attached to view functions by the shield's decorators (:func:`with_settings`,
read back with :func:`settings_of`) or come from the ``routes`` table of the configuration
(:class:`RouteTable`). Pure data: nothing here looks at a request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from apishield.errors import ConfigError
from apishield.request import SAFE_METHODS
from apishield.web.headers import validated_headers

T = TypeVar("T")
ATTR = "__apishield_route__"


@dataclass(frozen=True, slots=True)
class RouteSettings:
    """What one route (or a group of routes: a blueprint, a path pattern) asks of the shield.

    ``None`` means "inherit": :meth:`merged` lets a more specific setting override a broader one.
    """

    public: bool | None = None
    scopes: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    limits: tuple[str, ...] | None = None
    cors: Any = None
    csrf_exempt: bool | None = None
    body_schema: Any = None
    #: security-header overrides for this route: name -> value, ``None`` removes the header. A mapping is
    #: accepted and stored as sorted (name, value) pairs so the settings stay hashable.
    headers: tuple[tuple[str, str | None], ...] | None = None

    def __post_init__(self) -> None:
        if self.headers is not None:
            given: Any = self.headers
            pairs = given.items() if isinstance(given, Mapping) else given
            try:
                checked = validated_headers(dict(pairs), "route headers")
            except (TypeError, ValueError) as exc:
                raise ConfigError("route headers: expected a mapping of header name to value (or None)") from exc
            object.__setattr__(self, "headers", tuple(sorted(checked.items(), key=lambda kv: kv[0].lower())))

    def merged(self, specific: RouteSettings | None) -> RouteSettings:
        """These settings overridden by the non-inherited parts of ``specific`` (scopes/roles add up)."""
        if specific is None or specific is self:
            return self
        return RouteSettings(
            public=self.public if specific.public is None else specific.public,
            scopes=_union(self.scopes, specific.scopes),
            roles=_union(self.roles, specific.roles),
            limits=self.limits if specific.limits is None else specific.limits,
            cors=self.cors if specific.cors is None else specific.cors,
            csrf_exempt=self.csrf_exempt if specific.csrf_exempt is None else specific.csrf_exempt,
            body_schema=self.body_schema if specific.body_schema is None else specific.body_schema,
            headers=_merge_header_overrides(self.headers, specific.headers),
        )

    @property
    def is_public(self) -> bool:
        return bool(self.public)

    def describe(self) -> str:
        """A one-line human summary for the start-up route listing."""
        if self.is_public:
            parts = ["public"]
        else:
            parts = ["protected"]
            if self.scopes:
                parts.append("scopes=" + ",".join(self.scopes))
            if self.roles:
                parts.append("roles=" + ",".join(self.roles))
        if self.limits is not None:
            parts.append("limits=" + (",".join(self.limits) or "none"))
        if self.csrf_exempt:
            parts.append("csrf-exempt")
        if self.body_schema is not None:
            parts.append("body-schema")
        if self.headers:
            parts.append("headers=" + ",".join(name for name, _ in self.headers))
        return " ".join(parts)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "route") -> RouteSettings:
        """Settings from a config table: ``{public, scopes, roles, limits|limit, csrf_exempt, body_schema, cors,
        headers}`` (``headers``: security-header overrides, an empty string removes a header in TOML)."""
        known = {"public", "scopes", "roles", "limits", "limit", "csrf_exempt", "body_schema", "cors", "headers"}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(
                f"apishield config: {where}: unknown route settings {sorted(unknown)}; known: {sorted(known)}"
            )
        limits = data.get("limits", data.get("limit"))
        return cls(
            public=_opt_bool(data.get("public"), where),
            scopes=_strs(data.get("scopes", ()), where),
            roles=_strs(data.get("roles", ()), where),
            limits=None if limits is None else _strs(limits, where),
            cors=data.get("cors"),
            csrf_exempt=_opt_bool(data.get("csrf_exempt"), where),
            body_schema=data.get("body_schema"),
            headers=_header_table(data.get("headers"), where),
        )


def _header_table(value: Any, where: str) -> Any:
    """A config ``headers`` table; TOML has no null, so an empty string there means "remove the header"."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError(f"apishield config: {where}: headers must be a table of header name = value")
    return {k: (None if v == "" else v) for k, v in value.items()}


def _merge_header_overrides(
    broad: tuple[tuple[str, str | None], ...] | None, specific: tuple[tuple[str, str | None], ...] | None
) -> tuple[tuple[str, str | None], ...] | None:
    if specific is None:
        return broad
    if broad is None:
        return specific
    merged = {k.lower(): (k, v) for k, v in broad}
    merged.update({k.lower(): (k, v) for k, v in specific})
    return tuple(sorted(merged.values(), key=lambda kv: kv[0].lower()))


def _union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    if not b:
        return a
    if not a:
        return b
    return tuple(dict.fromkeys((*a, *b)))


def _opt_bool(value: Any, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ConfigError(f"apishield config: {where}: expected true or false, got {value!r}")


def _strs(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"apishield config: {where}: expected a string or a list of strings")


PUBLIC = RouteSettings(public=True)
PROTECTED = RouteSettings()


class RouteTable:
    """Route settings by path pattern, for adapters that have no route objects (plain WSGI/ASGI).

    Keys are ``"/path"`` or ``"METHOD /path"``; ``{name}`` and ``<name>`` match one path segment and a
    trailing ``*`` matches the rest. The most specific match (exact before pattern, longer before shorter)
    wins. Compiled once; look-ups of exact paths are one dict access.
    """

    _PARAM = re.compile(r"\{[^/{}]+\}|<[^/<>]+>")

    def __init__(self, entries: Mapping[str, RouteSettings | Mapping[str, Any]]) -> None:
        self._exact: dict[tuple[str, str], RouteSettings] = {}
        patterns: list[tuple[int, str, re.Pattern[str], RouteSettings]] = []
        for key, value in entries.items():
            settings = value if isinstance(value, RouteSettings) else RouteSettings.from_mapping(value, key)
            method, _, path = key.strip().rpartition(" ")
            method = method.strip().upper() or "*"
            if not path.startswith("/"):
                raise ConfigError(f"apishield config: route {key!r} must be '/path' or 'METHOD /path'")
            if "*" not in path and not self._PARAM.search(path):
                self._exact[(method, path)] = settings
                continue
            regex = self._PARAM.sub("[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}"))
            regex = self._PARAM.sub("[^/]+", regex)
            regex = regex.replace(r"\*", ".*")
            patterns.append((len(path), method, re.compile(regex + r"\Z", re.DOTALL), settings))
        patterns.sort(key=lambda item: -item[0])
        self._patterns = patterns

    def __bool__(self) -> bool:
        return bool(self._exact or self._patterns)

    def lookup(self, method: str, path: str) -> RouteSettings | None:
        found = self._exact.get((method, path)) or self._exact.get(("*", path))
        if found is not None:
            return found
        for _, pat_method, regex, settings in self._patterns:
            if (pat_method == "*" or pat_method == method) and regex.match(path):
                return settings
        return None

    def items(self) -> list[tuple[str, RouteSettings]]:
        out = [(f"{m} {p}" if m != "*" else p, s) for (m, p), s in self._exact.items()]
        out += [(f"{m} {r.pattern}" if m != "*" else r.pattern, s) for _, m, r, s in self._patterns]
        return out


def requirement(scopes: Iterable[str], roles: Iterable[str], extra: Mapping[str, Iterable[str]]) -> RouteSettings:
    """Route settings for ``require(*scopes, roles=..., scopes=...)``; unknown keywords are refused."""
    unknown = set(extra) - {"scopes"}
    if unknown:
        raise ConfigError(f"require: unknown arguments {sorted(unknown)}; use scopes=[...] and roles=[...]")
    more = extra.get("scopes", ())
    all_scopes = (*_strs(tuple(scopes), "require"), *_strs(more, "require"))
    unique = tuple(dict.fromkeys(all_scopes))
    return RouteSettings(public=False, scopes=unique, roles=_strs(roles, "require"))


def with_settings(obj: T, settings: RouteSettings) -> T:
    """Attach ``settings`` to a view function (merged with any already there); returns the function."""
    current = getattr(obj, ATTR, None)
    merged = settings if current is None else current.merged(settings)
    try:
        setattr(obj, ATTR, merged)
    except AttributeError as exc:  # builtins, bound methods of slotted classes
        raise ConfigError(f"apishield: cannot attach route settings to {obj!r}") from exc
    return obj


def settings_of(obj: Any) -> RouteSettings | None:
    """The settings attached to a view function by the decorators, if any."""
    found = getattr(obj, ATTR, None)
    if found is None:
        wrapped = getattr(obj, "__func__", None)
        found = getattr(wrapped, ATTR, None) if wrapped is not None else None
    return found if isinstance(found, RouteSettings) else None


__all__ = [
    "ATTR",
    "PROTECTED",
    "PUBLIC",
    "SAFE_METHODS",
    "RouteSettings",
    "RouteTable",
    "requirement",
    "settings_of",
    "with_settings",
]
