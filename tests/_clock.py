"""The settable clock every suite injects, so time-dependent tests move time by hand and never sleep."""

from __future__ import annotations


class FakeClock:
    """A clock tests move by hand. ``start`` is epoch seconds."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
