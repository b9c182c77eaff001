"""The Task API's settings, read once from the environment and validated at start-up.

===========================  ==========================================================================
``TASKAPI_ENV``              ``production`` (default), ``development`` or ``demo``. Demo = development plus
                             e-mail verification tokens written to the log and to ``TASKAPI_OUTBOX``.
``DATABASE_URL``             SQLAlchemy URL; default ``sqlite:///.demo/taskapi.db``. PostgreSQL:
                             ``postgresql+psycopg://user@host:port/db``.
``TASKAPI_STATE_URL``        apishield store for rate limits, lockout and token state shared by all
                             workers: ``redis://…`` or ``sqlite:///path`` (default: a file under ``.demo/``).
``TASKAPI_JWT_SECRET``       HMAC key for access tokens (at least 32 bytes). Required in production;
                             development and demo create a random one in ``.demo/jwt-secret`` (mode 0600).
``TASKAPI_CORS_ORIGINS``     comma-separated allowed origins; defaults per environment (below).
``TASKAPI_OUTBOX``           demo only: a JSON-lines file that receives the "e-mails" (verification tokens).
``TASKAPI_TRUSTED_PROXIES``  comma-separated CIDRs of the reverse proxies in front of the API (e.g.
                             ``10.0.0.0/8``). Only from these is ``X-Forwarded-For`` believed; without it,
                             every per-address control (login lockout, rate limits) keys on the proxy.
``TASKAPI_PENALTY_EXEMPT``   comma-separated CIDRs never *banned* by the penalty box (still rate limited like
                             everyone), e.g. the address of an authorised security scanner that sends bad
                             credentials on purpose. Empty by default.
``TASKAPI_UNVERIFIED_TTL``   seconds an unverified registration holds its name and e-mail (default 86400).
``TASKAPI_PUBLIC_URL``       the API's external base URL, the OAuth issuer (https; http only on loopback).
``TASKAPI_RATE_LIMIT``       default per-client limit for every route (default ``600/minute``); login,
                             registration, verification, refresh and token routes have tighter own limits.
===========================  ==========================================================================

Administrators are made with ``python -m taskapi.manage make-admin USERNAME`` (run on the server, with the
same environment), never by registering a particular name.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from apishield.errors import ConfigError
from apishield.request import TrustedProxies

ENVIRONMENTS = ("production", "development", "demo")
DEFAULT_ORIGINS = {
    "production": ("https://tasks.example.com",),
    "development": ("http://localhost:3000", "http://127.0.0.1:3000"),
    "demo": ("http://localhost:3000", "http://127.0.0.1:3000"),
}
MIN_SECRET_BYTES = 32


class SettingsError(ValueError):
    """The environment does not describe a safe configuration; the message says what to set."""


@dataclass(frozen=True, slots=True)
class Settings:
    env: str
    database_url: str
    state_url: str
    jwt_secret: str
    cors_origins: tuple[str, ...]
    outbox: Path | None
    data_dir: Path
    trusted_proxies: tuple[str, ...] = ()
    penalty_exempt: tuple[str, ...] = ()
    unverified_ttl: int = 86_400
    rate_limit: str = "600/minute"
    public_url: str = "https://tasks.example.com"
    access_ttl: int = 900
    refresh_ttl: int = 14 * 24 * 3600
    max_page_size: int = 100
    default_page_size: int = 20

    @property
    def demo(self) -> bool:
        return self.env == "demo"

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, data_dir: Path | None = None) -> Settings:
        env_vars = dict(os.environ if environ is None else environ)
        env = env_vars.get("TASKAPI_ENV", "production").strip().lower()
        if env not in ENVIRONMENTS:
            raise SettingsError(f"TASKAPI_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
        base = data_dir or Path(env_vars.get("TASKAPI_DATA_DIR", ".demo")).resolve()
        database_url = env_vars.get("DATABASE_URL") or _sqlite_url(base, "taskapi.db")
        state_url = env_vars.get("TASKAPI_STATE_URL") or _sqlite_url(base, "taskapi-state.db")
        secret = env_vars.get("TASKAPI_JWT_SECRET", "")
        if not secret:
            if env == "production":
                raise SettingsError("TASKAPI_JWT_SECRET is not set; production needs a random key of 32+ bytes")
            secret = _local_secret(base / "jwt-secret")
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise SettingsError(f"TASKAPI_JWT_SECRET is too short; use at least {MIN_SECRET_BYTES} random bytes")
        origins_text = env_vars.get("TASKAPI_CORS_ORIGINS")
        origins = (tuple(o.strip() for o in origins_text.split(",") if o.strip())
                   if origins_text is not None else DEFAULT_ORIGINS[env])
        if "*" in origins:
            raise SettingsError("TASKAPI_CORS_ORIGINS: '*' is not allowed; list the front-end origins")
        outbox_text = env_vars.get("TASKAPI_OUTBOX")
        outbox = Path(outbox_text) if outbox_text and env == "demo" else None
        if env_vars.get("TASKAPI_ADMIN_USERS", "").strip():
            raise SettingsError("TASKAPI_ADMIN_USERS is no longer supported (the first to register a name became "
                                "admin); unset it and run: python -m taskapi.manage make-admin USERNAME")
        proxies = tuple(p.strip() for p in env_vars.get("TASKAPI_TRUSTED_PROXIES", "").split(",") if p.strip())
        try:
            TrustedProxies(proxies)
        except ConfigError as exc:
            raise SettingsError(f"TASKAPI_TRUSTED_PROXIES: {exc}") from None
        exempt = tuple(p.strip() for p in env_vars.get("TASKAPI_PENALTY_EXEMPT", "").split(",") if p.strip())
        for network in exempt:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise SettingsError(f"TASKAPI_PENALTY_EXEMPT: {network!r} is not an IP address or CIDR network"
                                    ) from None
        try:
            unverified_ttl = int(env_vars.get("TASKAPI_UNVERIFIED_TTL", "86400"))
        except ValueError:
            raise SettingsError("TASKAPI_UNVERIFIED_TTL must be a whole number of seconds") from None
        if not 600 <= unverified_ttl <= 30 * 86_400:
            raise SettingsError("TASKAPI_UNVERIFIED_TTL must be between 600 and 2592000 seconds")
        rate_limit = env_vars.get("TASKAPI_RATE_LIMIT", "600/minute").strip()
        default_url = "https://tasks.example.com" if env == "production" else "http://127.0.0.1:8000"
        public_url = env_vars.get("TASKAPI_PUBLIC_URL", default_url).strip().rstrip("/")
        return cls(env=env, database_url=database_url, state_url=state_url, jwt_secret=secret,
                   cors_origins=origins, outbox=outbox, data_dir=base, rate_limit=rate_limit,
                   public_url=public_url, trusted_proxies=proxies, unverified_ttl=unverified_ttl,
                   penalty_exempt=exempt)


def _sqlite_url(directory: Path, name: str) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / name}"


def _local_secret(path: Path) -> str:
    """A random development key kept in ``path`` (created 0600 on first use, shared by all workers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()
