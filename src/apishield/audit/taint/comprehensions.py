"""The taint analysis' reading of comprehensions (list, set, generator and dict), split from the interpreter."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from apishield.audit.taint.values import CODE_KEYS, Val, element_of, merge_parts

if TYPE_CHECKING:
    from apishield.audit.taint.interpreter import Evaluator


def comprehension_value(ev: Evaluator, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> Val:
    """The value a comprehension yields: its generators bind in a scope of their own (the caller's names are restored
    after), its conditions guard as an ``if`` would, and a mapping keyed by literals holds the code's own keys."""
    saved = dict(ev.env) if ev.env is not None else None
    try:
        for gen in node.generators:
            it = ev.expr(gen.iter)
            ev.assign(gen.target, element_of(it), None)
            for cond in gen.ifs:
                ev.expr(cond)
                ev.apply_positive_guard(cond)
        if isinstance(node, ast.DictComp):
            key = ev.expr(node.key)
            v = merge_parts([key, ev.expr(node.value)])
            if not key.taint and (key.lit or key.is_const):  # ``{c: spec[c] for c in COLUMNS}``: the code's keys
                return Val(taint=v.taint, clean=v.clean, kind=CODE_KEYS)
        else:
            v = ev.expr(node.elt)
        # each element a constant (``"33" for _ in range(n)``): the result repeats literals; else origin unknown
        return Val(taint=v.taint, clean=v.clean, lit=v.is_const and not isinstance(node, ast.DictComp))
    finally:
        ev.env = saved


__all__ = ["comprehension_value"]
