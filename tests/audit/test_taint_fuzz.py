"""The taint analysis never crashes: random ASTs and garbled source."""

from __future__ import annotations

import ast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apishield.audit import taint

ATOMS = ["request.args['a']", "'lit'", "1", "x", "y", "[x, 'a']", "{'k': x}", "os.environ", "None", "(x, y)"]
EXPRS = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "%", "/", "*", " if x else "]), inner).map(lambda t: "".join(
            (t[0], t[1], t[2]))),
        st.tuples(st.sampled_from(["os.system", "eval", "open", "str", "len", "helper", "x.get", "''.join",
                                   "pickle.loads", "subprocess.run", "redirect", "'{}'.format"]), inner).map(
            lambda t: f"{t[0]}({t[1]})"),
        inner.map(lambda e: f"({e})[0]"),
        inner.map(lambda e: f"f'{{{e}}}'"),
    ),
    max_leaves=6,
)
STMTS = st.one_of(
    EXPRS.map(lambda e: f"x = {e}"),
    EXPRS.map(lambda e: f"y += {e}"),
    EXPRS.map(lambda e: f"if {e}:\n        x = y\n    else:\n        return x"),
    EXPRS.map(lambda e: f"for x in {e}:\n        y = x\n        break"),
    EXPRS.map(lambda e: f"match {e}:\n        case 'a':\n            x = 1\n        case _:\n            pass"),
    EXPRS.map(lambda e: f"try:\n        x = {e}\n    except Exception as err:\n        return str(err)"),
    EXPRS.map(lambda e: f"a, *b = {e}"),
    EXPRS.map(lambda e: f"x[{e}] = y"),
    EXPRS.map(lambda e: f"return {e}"),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STMTS, min_size=1, max_size=8))
def test_random_handlers_never_crash(stmts: list[str]) -> None:
    body = "\n    ".join(stmts)
    src = ("from flask import Flask, request, redirect\nimport os, pickle, subprocess\napp = Flask(__name__)\n"
           f"def helper(v):\n    return v\n@app.route('/r')\ndef r(x=None, y=''):\n    {body}\n")
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return
    result = taint.analyse(tree, "", {"flask"}, ())
    assert all(h.kind in taint.KINDS for h in result.hits)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abcxy()[]{}=+:.'\"\n %fi,0123456789requst", max_size=200))
def test_garbled_source_never_crashes(text: str) -> None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    taint.analyse(tree, "", {"flask", "bottle"}, ())


def test_deeply_nested_expression_does_not_blow_up() -> None:
    expr = "request.args['a']"
    for _ in range(150):
        expr = f"[{expr}, 'x'][0] + 'y'"
    src = f"from flask import request\n@app.route('/')\ndef h():\n    x = {expr}\n    return x\n"
    try:
        tree = ast.parse(src)
    except (SyntaxError, RecursionError, MemoryError):
        return
    taint.analyse(tree, "", {"flask"}, ())


def test_self_recursive_helpers_terminate() -> None:
    src = ("from flask import request\nimport os\ndef f(v):\n    return g(v)\ndef g(v):\n    return f(v)\n"
           "@app.route('/')\ndef h():\n    os.system(f(request.args['a']))\n    return ''\n")
    taint.analyse(ast.parse(src), "", {"flask"}, ())
