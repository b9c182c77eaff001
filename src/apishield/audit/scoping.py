"""Module-level functions that scope a query to the caller, read from their source text (the data layer pinning a
lookup to the session user), so a handler calling one is not reported as loading any object by a client's id."""

from __future__ import annotations

import ast
import io
import textwrap
import tokenize

from apishield.audit.ownership import OWNER_MARKERS, OWNER_WORDS, REJECTS


def _without_comments(text: str) -> str:
    """``text`` (lines of code) with its comments removed; as it is when it does not tokenize on its own."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(textwrap.dedent(text)).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return text
    return tokenize.untokenize((t.type, t.string) for t in tokens if t.type != tokenize.COMMENT)


def scoping_functions(tree: ast.Module, lines: list[str]) -> list[str]:
    """Module-level functions whose body compares with or pins the caller (the data layer scoping a query to
    the session user: ``WHERE id = ? AND user_id = ?`` with ``session['uid']``). Read from the source text: the
    tree is not unparsed."""
    out: list[str] = []
    for fn in tree.body:
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # the body only: a ``db: Session`` or ``current_user`` parameter compares nothing; its docstring and
            # comments only say (``"""no user_id ownership check"""``)
            body = fn.body[1:] if ast.get_docstring(fn, clean=False) is not None else fn.body
            if not body:
                continue
            text = _without_comments("\n".join(lines[body[0].lineno - 1: fn.end_lineno or fn.lineno]))
            folded = text.lower()
            owner = any(w in folded for w in OWNER_WORDS) and OWNER_MARKERS.search(text)
            if owner or REJECTS.search(text):
                out.append(fn.name)
    return out


__all__ = ["scoping_functions"]
