"""Catastrophic backtracking in a constant regular expression: an unbounded repeat of a group whose only
mandatory content is itself an unbounded repeat (``(a+)+``, ``(\\w+\\s?)*``, ``((ab)*)+``).

Such a pattern matches a run of input in exponentially many ways, so a near-miss input of a few dozen characters
keeps Python's backtracking engine busy for minutes. A separator the inner repeat cannot match
(``(\\d+\\.)+``) makes the split unambiguous and is not reported; a single character the inner repeat matches
too (``([-.\\w]*[a-z0-9])*``) separates nothing and is. Alternation overlap (``(a|a)*``) is not
analysed.
"""

from __future__ import annotations

from collections.abc import Callable
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


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


_CATEGORIES: dict[Any, Callable[[str], bool]] = {
    _c.CATEGORY_DIGIT: str.isdigit, _c.CATEGORY_SPACE: str.isspace, _c.CATEGORY_WORD: _word,
}
_NEGATED = {_c.CATEGORY_NOT_DIGIT: _c.CATEGORY_DIGIT, _c.CATEGORY_NOT_SPACE: _c.CATEGORY_SPACE,
            _c.CATEGORY_NOT_WORD: _c.CATEGORY_WORD}
_CHARS = [chr(i) for i in range(256)]  # the Latin-1 range stands for the character classes compared here


def _category(code: Any) -> frozenset[str] | None:
    if code in _CATEGORIES:
        return frozenset(ch for ch in _CHARS if _CATEGORIES[code](ch))
    if code in _NEGATED:
        return frozenset(_CHARS) - (_category(_NEGATED[code]) or frozenset())
    return None


def _charset(op: Any, av: Any) -> frozenset[str] | None:
    """The characters one single-character item matches (within :data:`_CHARS`), or None for anything else."""
    if op is _c.LITERAL:
        return frozenset({chr(av)})
    if op is _c.NOT_LITERAL:
        return frozenset(_CHARS) - {chr(av)}
    if op is _c.ANY:
        return frozenset(_CHARS) - {"\n"}
    if op is _c.CATEGORY:
        return _category(av)
    if op is _c.IN:
        out: set[str] = set()
        negate = False
        for sub_op, sub_av in av:
            if sub_op is _c.NEGATE:
                negate = True
            elif sub_op is _c.RANGE:
                out |= {chr(i) for i in range(sub_av[0], min(sub_av[1], 255) + 1)}
            else:
                part = _charset(sub_op, sub_av)
                if part is None:
                    return None
                out |= part
        return frozenset(_CHARS) - out if negate else frozenset(out)
    return None


def _no_separator(repeat: tuple[Any, Any], others: list[tuple[Any, Any]]) -> bool:
    """Every other mandatory item is one character the unbounded repeat can match too (``([-.\\w]*[a-z0-9])*``):
    it separates nothing, so a run of such characters still splits in exponentially many ways."""
    body = _items(repeat[1][2])
    inner = _charset(*body[0]) if len(body) == 1 else None
    if not inner or not others:
        return False
    sets = [_charset(op, av) for op, av in others]
    return all(s is not None and s and s <= inner for s in sets)


def _core_repeat(items: list[tuple[Any, Any]]) -> bool:
    """The sequence is one unbounded repeat plus only optional items, or items that are single characters the
    repeat matches too (a group of such counts too)."""
    mandatory = [(op, av) for op, av in items if not (op in _REPEATS and av[0] == 0 and not _unbounded(av))]
    repeats = [item for item in mandatory if item[0] in _REPEATS and _unbounded(item[1])]
    if len(mandatory) == 1 and repeats:
        return True
    if len(repeats) == 1 and _no_separator(repeats[0], [m for m in mandatory if m is not repeats[0]]):
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
