"""State stores chosen by URL: ``memory://``, ``sqlite:///path.db``, ``redis://host:port/db`` (``rediss://``),
``unix:///path/redis.sock?db=0`` (a Redis on this machine over its Unix socket), ``redis+cluster://h1:p1,h2:p2``
and ``redis+sentinel://h1:p1,h2:p2/service`` (``rediss+…``: TLS); ``valkey…`` schemes are aliases of the
``redis…`` ones.

Every store implements :class:`~apishield.stores.base.Store`; options (``clock=``, timeouts, redis-py
connection settings) are passed through to the store's constructor.
"""

from __future__ import annotations

from typing import Any

from apishield.errors import ConfigError
from apishield.stores.base import Store, redact_url
from apishield.stores.counters import Counted, CounterOp
from apishield.stores.memory import MemoryStore
from apishield.stores.sqlite import SQLiteStore

_REDIS_SCHEMES = ("redis", "rediss", "unix", "redis+cluster", "rediss+cluster", "redis+sentinel", "rediss+sentinel")


def from_url(url: str, **options: Any) -> Store:
    """Open the store named by ``url``. Unknown schemes raise :class:`ConfigError`."""
    if not isinstance(url, str):
        raise ConfigError(f"store URL must be a string, not {type(url).__name__}")
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "memory":
        return MemoryStore(url, **options)
    if scheme == "sqlite":
        return SQLiteStore(url, **options)
    if scheme.startswith("valkey"):
        url = "redis" + url[len("valkey") :]
        scheme = "redis" + scheme[len("valkey") :]
    if scheme in _REDIS_SCHEMES:
        from apishield.stores.redis import RedisStore

        return RedisStore(url, **options)
    raise ConfigError(
        f"store URL {redact_url(url)!r}: unknown scheme; use memory://, sqlite:///path.db, redis://host:port/db, "
        "unix:///path/redis.sock, "
        "redis+cluster://host:port,host:port or redis+sentinel://host:port,host:port/service (rediss… for TLS)"
    )


__all__ = ["Counted", "CounterOp", "MemoryStore", "SQLiteStore", "Store", "from_url"]
