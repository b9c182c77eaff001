"""The guard protocol every protection implements.

A guard looks at a :class:`~apishield.request.RequestView` and either allows it (optionally with an
authenticated principal and headers to add to the response) or raises/returns a :class:`Reject`.
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


@runtime_checkable
class Guard(Protocol):
    """One protection in the shield pipeline."""

    name: str

    def check(self, view: RequestView) -> Decision:
        """Decide on a request. Must not raise anything but :class:`Reject` for a refusal."""
        ...


__all__ = ["Allow", "Decision", "Guard"]
