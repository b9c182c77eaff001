"""Catastrophic backtracking in a constant regular expression: an unbounded repeat of a group whose only
mandatory content is itself an unbounded repeat (``(a+)+``, ``(\\w+\\s?)*``, ``((ab)*)+``).

Such a pattern matches a run of input in exponentially many ways, so a near-miss input of a few dozen characters
keeps Python's backtracking engine busy for minutes. A separator the inner repeat cannot match
(``(\\d+\\.)+``) makes the split unambiguous and is not reported. Alternation overlap (``(a|a)*``) is not
analysed.
"""

from __future__ import annotations

from re import _constants as _c  # type: ignore[attr-defined]  # the parser behind ``re`` (3.11+)
from re import _parser as _p  # type: ignore[attr-defined]
from typing import Any

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT}


def catastrophic(pattern: str | bytes) -> str:
    """The nested-quantifier part of ``pattern`` that backtracks exponentially, or ``""``."""
    try:
        parsed = _p.parse(pattern)
    except Exception:  # an invalid pattern fails at run time anyway; not ours to report
        return ""
    return "nested quantifier" if _nested(list(parsed)) else ""


def _unbounded(av: Any) -> bool:
    return bool(av[1] == _c.MAXREPEAT)


def _items(sub: Any) -> list[tuple[Any, Any]]:
    return list(sub.data if hasattr(sub, "data") else sub)


def _core_repeat(items: list[tuple[Any, Any]]) -> bool:
    """The sequence is one unbounded repeat plus only optional items (a group of such counts too)."""
    mandatory = [(op, av) for op, av in items if not (op in _REPEATS and av[0] == 0 and not _unbounded(av))]
    repeats = [(op, av) for op, av in mandatory if op in _REPEATS and _unbounded(av)]
    if len(mandatory) == 1 and repeats:
        return True
    if len(mandatory) == 1 and mandatory[0][0] is _c.SUBPATTERN:
        return _core_repeat(_items(mandatory[0][1][-1]))
    return False


def _nested(items: list[tuple[Any, Any]]) -> bool:
    for op, av in items:
        if op in _REPEATS:
            body = _items(av[2])
            found = (_unbounded(av) and _core_repeat(body)) or _nested(body)
        elif op is _c.SUBPATTERN:
            found = _nested(_items(av[-1]))
        elif op is _c.BRANCH:
            found = any(_nested(_items(branch)) for branch in av[1])
        else:
            found = False
        if found:
            return True
    return False


__all__ = ["catastrophic"]
