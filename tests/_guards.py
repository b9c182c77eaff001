"""Guards refuse by raising ``Reject``; tests that compare answers turn either outcome into a value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apishield.errors import Reject


def decide(check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``check(*args, **kwargs)``'s Allow, or the Reject it raised."""
    try:
        return check(*args, **kwargs)
    except Reject as reject:
        return reject
