"""Queries built only from values the database itself returned (the columns of a row just fetched).

A query formatted from ``row[1]`` after ``row = cur.fetchone()``, or from the names a ``for (a, b) in
cur.fetchall()`` loop unpacks, is fed by the application's own stored data, not by the request that is running.
Such code is injectable only in the second order — when a client could store SQL in a text column earlier — and in
practice the values read back this way are keys and foreign keys. Third-party projects showed it: of the queries of
unknown origin built from rows just read, nearly every one formatted an integer column. The sink-only finding for
such a query is therefore listed low, named for what it is; a proven flow of request data is never affected.
"""

from __future__ import annotations

import ast

from apishield.audit import astutil as au
from apishield.audit.taint.parameters import typed_path_params

#: calls whose result is a row, a list of rows or one column of a row read from a database
FETCHES = frozenset({"fetchone", "fetchall", "fetchmany", "first", "one", "one_or_none", "scalar",
                     "scalar_one", "scalar_one_or_none", "scalars"})
#: calls a query's parts pass through unchanged in what they can carry (conversions, SQLAlchemy's ``text()``)
_HARMLESS_CALLS = frozenset({"str", "int", "float", "round", "repr", "format", "join", "strip", "lower", "upper",
                             "text"})


def _fetched(node: ast.AST, fn: ast.AST, line: int, depth: int) -> bool:
    """``node`` is a fetch call (``cur.fetchall()``, ``cur.execute(q).fetchone()``) or a name last set to one."""
    if isinstance(node, ast.Call):  # ``cur.fetchone()``, ``db.session.execute(q).fetchall()``
        return isinstance(node.func, ast.Attribute) and node.func.attr in FETCHES
    if isinstance(node, ast.Name) and depth < 4:
        return _row_name(node.id, fn, line, depth + 1)
    return False


def _row_value(node: ast.AST, fn: ast.AST, line: int, depth: int) -> bool:
    """A column of a fetched row (``row[0]``, ``row['id']``, ``row.id``, ``cur.fetchone()[0]``)."""
    if isinstance(node, ast.Subscript | ast.Attribute):
        stored = _item_stored(node, fn, line) if depth < 4 else None
        if stored is not None:
            return _row_value(stored, fn, line, depth + 1)
        return _fetched(node.value, fn, line, depth) or (
            isinstance(node.value, ast.Subscript | ast.Attribute) and _row_value(node.value, fn, line, depth))
    return _fetched(node, fn, line, depth)


def _item_stored(node: ast.Subscript | ast.Attribute, fn: ast.AST, line: int) -> ast.expr | None:
    """The value last stored before ``line`` under a dict item with a constant key (``d['id'] = row[0]``) that
    ``node`` reads (``d['id']``)."""
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and au.is_const(node.slice)):
        return None
    name, key = node.value.id, au.const(node.slice)
    stores = [a for a in au.nodes_of(fn, ast.Assign) if a.lineno < line and any(
        isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name
        and au.is_const(t.slice) and au.const(t.slice) == key for t in a.targets)]
    return max(stores, key=lambda a: a.lineno).value if stores else None


def _loop_targets(fn: ast.AST, name: str, line: int) -> list[ast.For | ast.AsyncFor]:
    return [loop for loop in au.nodes_of_any(fn, ast.For, ast.AsyncFor)
            if isinstance(loop, ast.For | ast.AsyncFor) and loop.lineno < line
            and any(isinstance(t, ast.Name) and t.id == name for t in au.walk(loop.target))]


def last_assignment(name: str, fn: ast.AST, line: int) -> ast.expr | None:
    """The value of the last plain assignment of ``name`` in ``fn`` on a line before ``line`` (None when there is
    none, or when ``name`` is a parameter, which callers choose)."""
    earlier = sorted((v for v in au.assigned_values(name, fn) if v.lineno < line), key=lambda v: v.lineno)
    return earlier[-1] if earlier else None


def _row_name(name: str, fn: ast.AST, line: int, depth: int) -> bool:
    """``name`` holds database data (or a number) at ``line``: its last assignment before it is a fetch, a column of
    a fetched row or arithmetic, or it is the target of a loop over fetched rows, or a numeric route parameter."""
    if _numeric_parameter(name, fn):
        return True
    loops = _loop_targets(fn, name, line)
    last = last_assignment(name, fn, line)
    if loops and (last is None or loops[-1].lineno > last.lineno):
        return _fetched(loops[-1].iter, fn, loops[-1].lineno, depth)
    return last is not None and (_row_value(last, fn, line, depth) or _arithmetic(last))


def _arithmetic(node: ast.expr) -> bool:
    """A difference, quotient or power: a number whatever its operands are (text has no ``-``, ``/`` or ``**``)."""
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub | ast.Div | ast.FloorDiv | ast.Pow)


def _numeric_parameter(name: str, fn: ast.AST) -> bool:
    """A parameter of ``fn`` that only a number can fill: annotated ``int``/``float``, or taken by a route's numeric
    converter (Flask's ``<int:id>``, Bottle's ``<id:int>``)."""
    if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    params = {a.arg: a for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]}
    if name not in params:
        return False
    note = params[name].annotation
    return (isinstance(note, ast.Name) and note.id in {"int", "float"}) or name in typed_path_params(fn)


def _parts(node: ast.expr) -> list[ast.expr]:
    """The non-literal values a query text is built from (through ``+``, f-strings, ``%``, ``.format`` and
    harmless conversions such as ``str(x)``)."""
    if isinstance(node, ast.Constant):
        return []
    if isinstance(node, ast.BinOp):
        return _parts(node.left) + _parts(node.right)
    if isinstance(node, ast.JoinedStr):
        return [p for v in node.values if isinstance(v, ast.FormattedValue) for p in _parts(v.value)]
    if isinstance(node, ast.Tuple | ast.List):
        return [p for e in node.elts for p in _parts(e)]
    if isinstance(node, ast.Call) and au.last(au.dotted(node.func)) in _HARMLESS_CALLS:
        base = [node.func.value] if isinstance(node.func, ast.Attribute) and not isinstance(
            node.func.value, ast.Constant) else []
        return [p for a in [*base, *node.args] for p in _parts(a)]
    return [node]


def built_from_rows(query: ast.expr, fn: ast.AST, line: int) -> bool:
    """Every non-literal part of ``query`` (the text given to a runner on ``line`` inside ``fn``) is a value read
    from the database, and at least one is (numbers — arithmetic, numeric route parameters — may stand beside them);
    a local name holding the text is followed to its last assignment."""
    if isinstance(query, ast.Name):
        last = last_assignment(query.id, fn, line)
        if last is None:
            return False
        query = last
    parts = _parts(query)
    rows = [p for p in parts if not _arithmetic(p) and not (isinstance(p, ast.Name) and _numeric_parameter(p.id, fn))]
    return bool(rows) and all(
        _row_value(p, fn, line, 0) or (isinstance(p, ast.Name) and _row_name(p.id, fn, line, 0)) for p in rows)
