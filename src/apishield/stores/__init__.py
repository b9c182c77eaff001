"""State stores chosen by URL: ``memory://``, ``sqlite:///path.db``, ``redis://host:port/db``, ``rediss://``.

Every store implements :class:`~apishield.stores.base.Store`; options (``clock=``, timeouts, redis-py
connection settings) are passed through to the store's constructor.
"""

from __future__ import annotations

from typing import Any

from apishield.errors import ConfigError
from apishield.stores.base import Store, redact_url
from apishield.stores.memory import MemoryStore
from apishield.stores.sqlite import SQLiteStore


def from_url(url: str, **options: Any) -> Store:
    """Open the store named by ``url``. Unknown schemes raise :class:`ConfigError`."""
    if not isinstance(url, str):
        raise ConfigError(f"store URL must be a string, not {type(url).__name__}")
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "memory":
        return MemoryStore(url, **options)
    if scheme == "sqlite":
        return SQLiteStore(url, **options)
    if scheme in ("redis", "rediss", "valkey", "valkeys"):
        from apishield.stores.redis import RedisStore

        if scheme.startswith("valkey"):
            url = "redis" + url[len("valkey") :]
        return RedisStore(url, **options)
    raise ConfigError(
        f"store URL {redact_url(url)!r}: unknown scheme; use memory://, sqlite:///path.db, redis://host:port/db or rediss://"
    )


__all__ = ["MemoryStore", "SQLiteStore", "Store", "from_url"]
