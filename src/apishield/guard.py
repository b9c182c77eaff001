"""The guard contract every protection implements.

A guard looks at a :class:`~apishield.request.RequestView` and either allows it, by returning an
:class:`Allow` (optionally with an authenticated principal and headers to add to the response), or refuses
it, by **raising** :class:`~apishield.errors.Reject`. A guard never returns a ``Reject``.

Guards precompute their hot path in the constructor and may give a compiled copy per route with
``for_route(settings)`` (``None``: the guard does not apply to that route). The shield
(:class:`apishield.shield.Shield`) composes the built-in guards and any passed in ``guards=[...]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from apishield.errors import Reject
from apishield.request import RequestView


@dataclass(slots=True)
class Allow:
    """Let the request through. ``headers`` are added to the eventual response."""

    principal: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Decision = Allow | Reject
"""What a guard's decision can be, once a raised ``Reject`` is caught (tests and logs use it)."""


@runtime_checkable
class Guard(Protocol):
    """One protection in the shield pipeline."""

    name: str

    def check(self, view: RequestView) -> Allow:
        """Allow a request, or raise :class:`Reject` to refuse it. Raises nothing else for bad input."""
        ...


@runtime_checkable
class RouteGuard(Guard, Protocol):
    """A guard that compiles a copy per route (the shield calls :meth:`for_route` once per route)."""

    def for_route(self, settings: Any) -> Any:
        """The guard's compiled copy for a route with these settings, or None when it does not apply there
        (user guards return an object with ``check``; the built-ins return their own hot-path objects)."""
        ...


__all__ = ["Allow", "Decision", "Guard", "RouteGuard"]
