"""A response body given by its keyword is the body: Starlette's and Django's ``content=``, Werkzeug's
``response=``; and Starlette's plain ``Response`` told ``media_type="text/html"`` answers HTML. Request text in such a
body is reflected markup (AS404 fires), as when it is passed first to ``HTMLResponse``; a JSON media type or a body of
fixed text stays quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import audit

_FASTAPI = """\
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
app = FastAPI()


@app.get("/search")
def search(request: Request):
    q = request.query_params.get("q", "")
    body = "<h1>Results for: " + q + "</h1>"
{answer}
"""


@pytest.mark.parametrize(("answer", "reported"), [
    ("    return HTMLResponse(content=body)", True),
    ("    return HTMLResponse(body)", True),
    ("    return Response(content=body, media_type='text/html')", True),
    ("    return Response(content=body, media_type='application/json')", False),
    ("    return HTMLResponse(content='<h1>Results</h1>')", False),
])
def test_a_body_given_by_keyword_is_the_response(tmp_path: Path, answer: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _FASTAPI.format(answer=answer)})
    assert any(f.rule_id == "AS404" for f in result.findings) is reported
