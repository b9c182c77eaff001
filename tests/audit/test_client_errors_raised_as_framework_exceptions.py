"""A handler that catches a value error from reading the caller's input and answers it with the framework's 4xx
exception (aiohttp's ``web.HTTPBadRequest``, Werkzeug's ``BadRequest``) calls it the caller's mistake: its text is
feedback on that input, not server internals, and AS307 stays low. Answered with a 5xx exception, it is the server's
failure and stays medium."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

AIOHTTP = '''from aiohttp import web

routes = web.RouteTableDef()


@routes.post("/subscriptions")
async def add(request):
    post = await request.json()
    try:
        flag = coerce_flag(post.get("flag"))
    except ValueError as exc:
        raise web.{answer}(reason=str(exc)) from exc
    return web.json_response({{"flag": flag}})
'''

FLASK = '''from flask import Flask, jsonify, request
from werkzeug.exceptions import {answer}

app = Flask(__name__)


@app.post("/subscriptions")
def add():
    try:
        flag = coerce_flag(request.json.get("flag"))
    except ValueError as exc:
        raise {answer}(str(exc))
    return jsonify(flag=flag)
'''


@pytest.mark.parametrize(("source", "answer", "medium"), [
    (AIOHTTP, "HTTPBadRequest", False),  # must stay quiet: a 400 about the caller's input
    (AIOHTTP, "HTTPUnprocessableEntity", False),
    (AIOHTTP, "HTTPInternalServerError", True),  # must fire: the server's failure
    (FLASK, "BadRequest", False),
])
def test_a_value_error_answered_with_a_4xx_exception_is_feedback(tmp_path: Path, source: str, answer: str,
                                                                 medium: bool) -> None:
    found = [f for f in audit(tmp_path, {"app.py": source.format(answer=answer)}).findings if f.rule_id == "AS307"]
    assert any(f.severity >= Severity.MEDIUM for f in found) is medium
