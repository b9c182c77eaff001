"""One generic registry shape for pluggable parts: probe checks and audit rules.

A :class:`Registry` maps a unique name to an item and iterates in a stable order chosen by the item itself
(``sort_key``), so a part registered from anywhere — a built-in module or a user's plug-in — runs in its
declared place. It is the schemathesis ``Registry`` shape: register with a decorator, look up by name,
iterate in order, refuse duplicates, and freeze once the run starts.

    checks: Registry[CheckSpec] = Registry("probe check", name=lambda c: c.name, sort_key=lambda c: c.order)
    checks.register(spec)
    [c.name for c in checks]          # in declared order

No framework import, no global state of its own: each user owns its instance.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Any, Generic, TypeVar

from apishield.errors import ApishieldError

T = TypeVar("T")


class RegistryError(ApishieldError, ValueError):
    """A name registered twice, an unknown name, or a change to a frozen registry."""


class Registry(Generic[T]):
    """Named items, unique by name, iterated by ``sort_key`` then registration order."""

    def __init__(self, kind: str, *, name: Callable[[T], str], sort_key: Callable[[T], Any] | None = None) -> None:
        self.kind = kind
        self._name = name
        self._sort_key = sort_key
        self._items: dict[str, T] = {}
        self._frozen = False

    def register(self, item: T, *, replace: bool = False) -> T:
        """Add ``item``; a second item under the same name is an error unless ``replace``."""
        if self._frozen:
            raise RegistryError(f"{self.kind} registry is frozen; register {self._name(item)!r} before the run")
        key = self._name(item)
        if key in self._items and not replace and self._items[key] != item:
            raise RegistryError(f"{self.kind} {key!r} registered twice")
        self._items[key] = item
        return item

    def unregister(self, key: str) -> T:
        if self._frozen:
            raise RegistryError(f"{self.kind} registry is frozen")
        try:
            return self._items.pop(key)
        except KeyError:
            raise RegistryError(f"unknown {self.kind} {key!r}") from None

    def get(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            choices = ", ".join(self.names()) or "none registered"
            raise RegistryError(f"unknown {self.kind} {key!r}; choose from {choices}") from None

    def freeze(self) -> None:
        self._frozen = True

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        items = list(self._items.values())
        if self._sort_key is not None:
            key = self._sort_key
            items.sort(key=key)  # stable: registration order breaks ties
        return iter(items)

    def names(self) -> list[str]:
        return [self._name(item) for item in self]


__all__ = ["Registry", "RegistryError"]
