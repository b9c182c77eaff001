"""Type aliases shared across apishield."""

from __future__ import annotations

from collections.abc import Callable

Clock = Callable[[], float]
"""Returns seconds since the epoch as a float; injected so tests never sleep."""

Headers = dict[str, str]

__all__ = ["Clock", "Headers"]
