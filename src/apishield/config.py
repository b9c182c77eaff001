"""Typed shield settings, loaded from Python keyword arguments, a dict, TOML or the environment.

One :class:`ShieldConfig` describes every protection. It is built from sections (``auth``, ``rate_limit``,
``cors``, ``headers``, ``https``, ``csrf``, ``validation``), given either nested::

    [tool.apishield]            # pyproject.toml, or the top level of apishield.toml
    mode = "production"
    store_url = "redis://127.0.0.1:6379/0"
    trusted_proxies = ["10.0.0.0/8"]

    [tool.apishield.auth]
    jwt_secret_env = "APISHIELD_JWT_SECRET"

    [tool.apishield.rate_limit]
    default_limits = ["100/minute"]

or flat (``ShieldConfig.build(jwt_secret_env="...", cors_origins=[...])``): a flat name is either a field
name that only one section has, or ``<section>_<field>``. Unknown names are refused with the list of the
known ones, so a typo never silently switches a protection off. Secrets are never written in the file:
``*_env`` settings name the environment variable that holds them, read once when the shield starts.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from apishield.config_files import CONFIG_FILES, find_config, normalise_keys, read_toml, tool_settings
from apishield.errors import ConfigError
from apishield.web.headers import API_CSP, PERMISSIONS_POLICY

Mode = Literal["production", "development"]
HTTPSAction = Literal["redirect", "refuse", "off"]


@dataclass(frozen=True, slots=True)
class AuthConfig:
    """How requests are authenticated. Every route needs a principal unless it is marked public."""

    jwt_secret: str | None = None
    jwt_secret_env: str | None = None
    jwt_public_key: str | None = None
    jwt_algorithm: str = "HS256"
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    #: API keys (apishield.auth.apikeys) are accepted when a pepper is configured (from the environment)
    api_key_pepper_env: str | None = None
    api_key_header: str = "X-API-Key"
    #: check the JWT revocation list in the store on every request (cached tokens included)
    jwt_revocation: bool = False
    #: 0 turns the verified-token cache off; any other value keeps it on. The cache (in JWTAuth) only skips
    #: the signature check: expiry and revocation are checked on every hit, so it needs no time bound.
    token_cache_seconds: float = 5.0
    token_cache_size: int = 4096


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    """Rate limits applied to every route unless a route sets its own."""

    enabled: bool = True
    default_limits: tuple[str, ...] = ("120/minute",)
    #: what identifies a client: its address (``ip``: IPv6 by /64, IPv4-mapped folded), once authenticated its
    #: principal (``principal``), its API key (``api_key``, hashed), or one budget per route (``route``)
    key: Literal["ip", "principal", "api_key", "route"] = "ip"
    on_store_error: Literal["allow", "deny"] = "allow"
    headers: bool = True
    #: also send the legacy ``X-RateLimit-Limit/-Remaining/-Reset`` trio
    legacy_headers: bool = False
    #: units each request consumes
    cost: int = 1
    #: record a violation with the penalty box on every 429 (banned clients are refused on every route anyway)
    penalize: bool = False


@dataclass(frozen=True, slots=True)
class PenaltiesConfig:
    """Progressive bans for clients that keep presenting invalid credentials (429 while banned)."""

    enabled: bool = True
    violations: int = 10
    window: float = 60.0
    ban_durations: tuple[float, ...] = (60.0, 600.0, 3600.0)
    #: networks (CIDR) never limited or banned
    allow: tuple[str, ...] = ()
    #: networks (CIDR) never *banned* but still rate limited like everyone (fail2ban's ``ignoreip``): e.g. the
    #: address of an authorised security scanner that must send bad credentials on purpose
    exempt: tuple[str, ...] = ()
    #: networks (CIDR) always refused with 403 by the rate-limit step
    deny: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CORSConfig:
    """Cross-origin policy. Empty ``origins`` means no cross-origin access at all (the safe default)."""

    origins: tuple[str, ...] = ()
    allow_credentials: bool = False
    methods: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE")
    headers: tuple[str, ...] = ("Authorization", "Content-Type", "X-CSRF-Token", "X-API-Key")
    expose_headers: tuple[str, ...] = ("RateLimit", "RateLimit-Policy", "Retry-After")
    max_age: int = 600


@dataclass(frozen=True, slots=True)
class HeadersConfig:
    """Security response headers; ``extra`` adds or overrides single headers."""

    enabled: bool = True
    content_security_policy: str = API_CSP
    hsts_max_age: int = 31_536_000
    hsts_include_subdomains: bool = True
    hsts_preload: bool = False
    #: the other defaults of :class:`~apishield.web.headers.SecurityHeaders`; an empty string leaves one out
    referrer_policy: str = "no-referrer"
    frame_options: str = "DENY"
    permissions_policy: str = PERMISSIONS_POLICY
    cross_origin_opener_policy: str = "same-origin"
    cross_origin_resource_policy: str = "same-origin"
    authenticated_cache_control: str = "no-store"
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HTTPSConfig:
    """Plain-HTTP handling. ``None`` means: redirect in production, allow in development."""

    action: HTTPSAction | None = None


@dataclass(frozen=True, slots=True)
class CSRFConfig:
    """CSRF defence for requests authenticated by a cookie session (bearer tokens and API keys need none)."""

    enabled: bool = True
    trusted_origins: tuple[str, ...] = ()
    allow_same_site: bool = False
    header: str = "X-CSRF-Token"
    form_field: str = "csrf_token"


@dataclass(frozen=True, slots=True)
class SessionsConfig:
    """Server-side cookie sessions (off unless enabled). A session's ``data`` may carry scopes and roles."""

    enabled: bool = False
    cookie_name: str = "__Host-session"
    secure: bool = True
    same_site: str = "Lax"
    idle_timeout: float = 1800.0
    absolute_timeout: float = 43200.0
    max_sessions: int = 5


@dataclass(frozen=True, slots=True)
class ValidationConfig:
    """Request size and content checks."""

    max_body_size: int = 1_048_576
    json_content_types: tuple[str, ...] = ("application/json",)


_SECTIONS: dict[str, type[Any]] = {
    "auth": AuthConfig,
    "rate_limit": RateLimitConfig,
    "penalties": PenaltiesConfig,
    "cors": CORSConfig,
    "headers": HeadersConfig,
    "https": HTTPSConfig,
    "csrf": CSRFConfig,
    "sessions": SessionsConfig,
    "validation": ValidationConfig,
}
_OTHER_TOOLS = frozenset({"audit", "probe", "demo"})
_TOP_LEVEL = ("mode", "trusted_proxies", "routes", "warn_debug_server", "store_url")


@dataclass(frozen=True, slots=True)
class ShieldConfig:
    """All shield settings. Build with :meth:`build` (kwargs), :meth:`from_mapping` or :func:`load`."""

    mode: Mode = "production"
    #: the shared state store for rate limits, sessions, token revocation: memory://, sqlite:///f.db, redis://
    store_url: str = "memory://"
    trusted_proxies: tuple[str, ...] = ()
    #: per-route settings keyed by ``"METHOD /path"`` or ``"/path"`` (``*`` matches one segment's rest)
    routes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    warn_debug_server: bool = True
    auth: AuthConfig = field(default_factory=AuthConfig)
    rate_limit: RateLimitConfig = field(default_factory=RateLimitConfig)
    penalties: PenaltiesConfig = field(default_factory=PenaltiesConfig)
    cors: CORSConfig = field(default_factory=CORSConfig)
    headers: HeadersConfig = field(default_factory=HeadersConfig)
    https: HTTPSConfig = field(default_factory=HTTPSConfig)
    csrf: CSRFConfig = field(default_factory=CSRFConfig)
    sessions: SessionsConfig = field(default_factory=SessionsConfig)
    validation: ValidationConfig = field(default_factory=ValidationConfig)

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def https_action(self) -> HTTPSAction:
        if self.https.action is not None:
            return self.https.action
        return "redirect" if self.production else "off"

    @classmethod
    def build(cls, **settings: Any) -> ShieldConfig:
        """Settings as keyword arguments, nested (``cors={"origins": [...]}``) or flat (``cors_origins=``)."""
        return cls.from_mapping(settings)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ShieldConfig:
        """Validate a (possibly nested) mapping and build the configuration."""
        sections: dict[str, dict[str, Any]] = {name: {} for name in _SECTIONS}
        top: dict[str, Any] = {}
        for key, value in normalise_keys(data).items():
            if key in _OTHER_TOOLS:
                continue  # [tool.apishield.audit] and friends belong to the other subcommands
            if key in _SECTIONS:
                if isinstance(value, Mapping):
                    for sub, subvalue in normalise_keys(value).items():
                        _check_field(key, sub)
                        sections[key][sub] = subvalue
                    continue
                if key == "https" and (value is None or isinstance(value, str)):
                    sections["https"]["action"] = value
                    continue
                raise ConfigError(f"apishield config: [{key}] must be a table of settings")
            if key in _TOP_LEVEL:
                top[key] = value
                continue
            section, name = _resolve_flat(key)
            sections[section][name] = value
        built = {name: _make(_SECTIONS[name], name, values) for name, values in sections.items()}
        mode = top.get("mode", "production")
        if mode not in ("production", "development"):
            raise ConfigError(f"apishield config: mode must be 'production' or 'development', not {mode!r}")
        routes = top.get("routes", {})
        if not isinstance(routes, Mapping) or not all(isinstance(v, Mapping) for v in routes.values()):
            raise ConfigError("apishield config: routes must map 'METHOD /path' to a table of route settings")
        config = cls(
            mode=mode,
            trusted_proxies=_str_tuple("trusted_proxies", top.get("trusted_proxies", ())),
            routes=dict(routes),
            warn_debug_server=bool(top.get("warn_debug_server", True)),
            store_url=str(top.get("store_url", "memory://")),
            **built,
        )
        _validate(config)
        return config


def _fields_of(cls: type[Any]) -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in dataclasses.fields(cls)}


def _flat_names() -> dict[str, tuple[str, str]]:
    names: dict[str, tuple[str, str]] = {}
    counts: dict[str, int] = {}
    for cls in _SECTIONS.values():
        for fname in _fields_of(cls):
            counts[fname] = counts.get(fname, 0) + 1
    for section, cls in _SECTIONS.items():
        for fname in _fields_of(cls):
            names[f"{section}_{fname}"] = (section, fname)
            if counts[fname] == 1:
                names.setdefault(fname, (section, fname))
    return names


_FLAT = _flat_names()


def _resolve_flat(key: str) -> tuple[str, str]:
    try:
        return _FLAT[key]
    except KeyError:
        close = difflib.get_close_matches(key, [*_TOP_LEVEL, *_SECTIONS, *_FLAT], n=3)
        hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else (
            "use a section (" + ", ".join(_SECTIONS) + ") or a top-level setting (" + ", ".join(_TOP_LEVEL) + ")"
        )
        raise ConfigError(f"apishield config: unknown setting {key!r}; {hint}") from None


def _check_field(section: str, name: str) -> None:
    if name not in _fields_of(_SECTIONS[section]):
        known = ", ".join(_fields_of(_SECTIONS[section]))
        raise ConfigError(f"apishield config: unknown setting {name!r} in [{section}]; known: {known}")


def _str_tuple(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"apishield config: {name} must be a list of strings")


def _make(cls: type[Any], section: str, values: dict[str, Any]) -> Any:
    fields = _fields_of(cls)
    coerced: dict[str, Any] = {}
    for name, value in values.items():
        default = fields[name].default
        if isinstance(default, tuple) and default and isinstance(default[0], float):
            if not isinstance(value, list | tuple) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in value
            ):
                raise ConfigError(f"apishield config: {section}.{name} must be a list of positive numbers")
            value = tuple(float(v) for v in value)
        elif isinstance(default, tuple):
            value = _str_tuple(f"{section}.{name}", value)
        elif isinstance(default, bool) and not isinstance(value, bool):
            raise ConfigError(f"apishield config: {section}.{name} must be true or false")
        elif isinstance(default, int | float) and not isinstance(default, bool):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"apishield config: {section}.{name} must be a number")
            if value < 0:
                raise ConfigError(f"apishield config: {section}.{name} must not be negative")
        coerced[name] = value
    return cls(**coerced)


def _validate(config: ShieldConfig) -> None:
    cors = config.cors
    if "*" in cors.origins and cors.allow_credentials:
        raise ConfigError("CORS: '*' cannot be combined with credentials; list the allowed origins instead")
    if config.https.action not in (None, "redirect", "refuse", "off"):
        raise ConfigError("apishield config: https must be 'redirect', 'refuse' or 'off'")
    if config.rate_limit.key not in ("ip", "principal", "api_key", "route"):
        raise ConfigError("apishield config: rate_limit.key must be 'ip', 'principal', 'api_key' or 'route'")
    if config.rate_limit.on_store_error not in ("allow", "deny"):
        raise ConfigError("apishield config: rate_limit.on_store_error must be 'allow' or 'deny'")


def secret_from_env(name: str | None, literal: str | None, what: str) -> str | None:
    """The secret named by the environment variable ``name``, else ``literal``; refuse a named but unset var."""
    if name:
        value = os.environ.get(name)
        if not value:
            raise ConfigError(f"{what}: environment variable {name} is not set; export it before starting")
        return value
    return literal


def discover(directory: str | os.PathLike[str] = ".") -> dict[str, Any]:
    """The shield's settings from the file :func:`find_config` finds for ``directory`` (nothing when none,
    or when the nearest ``pyproject.toml`` has no ``[tool.apishield]`` table)."""
    path = find_config(directory)
    if path is None:
        return {}
    if path.name == "pyproject.toml":
        try:
            return read_toml(path)
        except ConfigError:
            return {}
    return read_toml(path)


def load(
    source: ShieldConfig | Mapping[str, Any] | str | os.PathLike[str] | None = None, **overrides: Any
) -> ShieldConfig:
    """A :class:`ShieldConfig` from a config object, a mapping, a TOML path, or nothing (the defaults).

    Keyword ``overrides`` are merged over the source, section by section. Use :func:`discover` as the source
    to read ``apishield.toml`` or ``pyproject.toml`` from the working directory. The ``APISHIELD_MODE``
    environment variable, when set, decides the mode over all of them (:func:`mode_from_env`).
    """
    if isinstance(source, ShieldConfig):
        if not overrides:
            return mode_from_env(source)
        base: dict[str, Any] = _to_mapping(source)
    elif source is None:
        base = {}
    elif isinstance(source, Mapping):
        base = dict(source)
    else:
        base = read_toml(source)
    merged = _deep_merge(base, _nest(overrides))
    return mode_from_env(ShieldConfig.from_mapping(merged))


MODE_ENV = "APISHIELD_MODE"


def mode_from_env(config: ShieldConfig) -> ShieldConfig:
    """``config`` with the mode named by the ``APISHIELD_MODE`` environment variable (``production`` or
    ``development``), which wins over code and files so one deployment switch needs no code change."""
    value = os.environ.get(MODE_ENV, "").strip().lower()
    if not value or value == config.mode:
        return config
    if value not in ("production", "development"):
        raise ConfigError(f"{MODE_ENV} must be 'production' or 'development', not {value!r}")
    logging.getLogger("apishield").warning("apishield: %s=%s overrides the configured mode", MODE_ENV, value)
    return dataclasses.replace(config, mode=value)  # type: ignore[arg-type]  # checked just above


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in normalise_keys(flat).items():
        if key in _OTHER_TOOLS:
            continue
        if key in _SECTIONS and isinstance(value, Mapping):
            out[key] = {**out.get(key, {}), **value}
        elif key in _TOP_LEVEL or key in _SECTIONS:
            out[key] = value
        else:
            section, name = _resolve_flat(key)
            out[section] = {**out.get(section, {}), name: value}
    return out


def _deep_merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(_nest(base))
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping) and key != "routes":
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def _to_mapping(config: ShieldConfig) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(config, name) for name in _TOP_LEVEL}
    for section in _SECTIONS:
        obj = getattr(config, section)
        out[section] = {f: getattr(obj, f) for f in _fields_of(type(obj))}
    return out


__all__ = [
    "CONFIG_FILES",
    "MODE_ENV",
    "AuthConfig",
    "CORSConfig",
    "CSRFConfig",
    "HTTPSConfig",
    "HeadersConfig",
    "PenaltiesConfig",
    "RateLimitConfig",
    "SessionsConfig",
    "ShieldConfig",
    "ValidationConfig",
    "discover",
    "find_config",
    "load",
    "mode_from_env",
    "normalise_keys",
    "read_toml",
    "secret_from_env",
    "tool_settings",
]
