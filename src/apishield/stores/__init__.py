"""State stores chosen by URL: ``memory://``, ``sqlite:///path.db``, ``redis://host:port/db``."""

from __future__ import annotations

from typing import Any

from apishield.errors import ConfigError
from apishield.stores.base import Store
from apishield.stores.memory import MemoryStore


def from_url(url: str, **options: Any) -> Store:
    """Open the store named by ``url``. Unknown schemes raise :class:`ConfigError`."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "memory":
        return MemoryStore(url, **options)
    raise ConfigError(f"store URL {url!r}: unknown scheme; use memory://, sqlite:///path.db or redis://host:port/db")


__all__ = ["MemoryStore", "Store", "from_url"]
