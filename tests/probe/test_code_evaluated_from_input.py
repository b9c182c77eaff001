"""Input run as code: a parameter handed to Python's ``eval`` builds ``'apsh'+str(a*b)`` into ``apsh<product>``,
one handed to ``exec`` prints it, one compiled as a JavaScript function body (``new Function(text)``) returns it
(must fire); a calculator that only computes arithmetic (the product comes back, the string call is refused), an
echo, and an engine that has no ``print`` but answers a ``return`` without running it must stay quiet."""

from __future__ import annotations

import ast
import contextlib
import io
import operator
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import pytest

from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

SPEC = {"/calc": {"post": {"parameters": [{"name": "expression", "in": "query", "required": True,
                                           "schema": {"type": "string"}}],
                           "responses": {"200": {"description": "result"}}}}}
OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def _arithmetic(node: ast.AST) -> Any:
    """A safe calculator: numbers and + - * only."""
    if isinstance(node, ast.Expression):
        return _arithmetic(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in OPS:
        return OPS[type(node.op)](_arithmetic(node.left), _arithmetic(node.right))
    raise ValueError("not arithmetic")


def _app(kind: str) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path != "/calc":
            return 404, {}, {"detail": "not found"}
        expression = unquote_plus(path.partition("expression=")[2])
        try:
            if kind == "eval":
                result = eval(expression, {"__builtins__": {"str": str}})  # the flaw under test
            elif kind == "exec":  # statements run, their printed output answered
                printed = io.StringIO()
                with contextlib.redirect_stdout(printed):
                    exec(expression, {"__builtins__": {"str": str, "print": print}})  # the flaw under test
                result = printed.getvalue()
            elif kind in {"function-body", "body-echo"}:  # what a JavaScript ``new Function(text)`` answers
                if "print(" in expression:
                    return 400, {}, {"error": "Template error: print is not defined"}
                body = expression.removeprefix("return ")
                if kind == "body-echo" or body == expression:
                    result = body if kind == "body-echo" else "undefined"
                else:
                    result = eval(body.replace("String(", "str("), {"__builtins__": {"str": str}})  # the flaw
            elif kind == "calculator":
                result = _arithmetic(ast.parse(expression, mode="eval"))
            else:
                result = expression
        except Exception:  # a lab's handler answering its own error text
            return 400, {}, {"detail": "cannot evaluate"}
        return 200, {}, {"expression": expression, "result": str(result)}
    return app


@pytest.mark.parametrize(("kind", "reported"), [("eval", True), ("exec", True), ("function-body", True),
                                                ("calculator", False), ("echo", False), ("body-echo", False)])
def test_input_run_as_code_is_found(tmp_path: Path, kind: str, reported: bool) -> None:
    with loopback(_app(kind)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("injection",))
    assert (("PR-CODE-001", "POST", "/calc") in findings_at(result)) is reported


def test_a_formula_field_is_tried_before_the_share_runs_out(tmp_path: Path) -> None:
    """Parameters named for code or a formula get their likeliest test before every parameter's longer techniques: on
    an API whose other parameters spend the whole budget on those, the calculator's ``eval`` is still found."""
    calc = _app("eval")

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path == "/calc":
            return calc(method, path, headers, body)
        return 200, {}, {"items": [], "query": unquote_plus(urlsplit(path).query)}

    spec: dict[str, Any] = {f"/search{n}": {"get": {"parameters": [
        {"name": f"q{k}", "in": "query", "schema": {"type": "string"}} for k in range(4)],
        "responses": {"200": {"description": "found"}}}} for n in range(120)}
    spec.update(SPEC)  # the calculator last, behind 480 parameters that could spend the share
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("injection",))
    assert ("PR-CODE-001", "POST", "/calc") in findings_at(result)
