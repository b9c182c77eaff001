"""AS304 (security headers not set) is medium only for an app whose own handlers build HTML pages: a JSON API whose
only HTML is a generated documentation page gets the hardening note at low."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity

from .helpers import audit

_MEDIUM_PLUS = (Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)


_DOCS_ONLY = """\
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

app = FastAPI(docs_url=None)


@app.get("/api/docs", response_class=HTMLResponse)
def docs():
    return get_swagger_ui_html(openapi_url="/openapi.json", title="API")


@app.get("/api/items/{{item_id}}")
def item(item_id: int):
    {item_body}
"""


@pytest.mark.parametrize(("item_body", "reported"), [
    ("return HTMLResponse(f'<p>{load(item_id).name}</p>')", True),   # must fire: a handler builds a page
    ("return load(item_id).to_dict()", False),                        # must stay quiet: the only HTML is the docs
])
def test_missing_security_headers_matter_when_a_handler_builds_a_page(tmp_path: Path, item_body: str,
                                                                      reported: bool) -> None:
    result = audit(tmp_path, {"main.py": _DOCS_ONLY.format(item_body=item_body)})
    assert any(f.rule_id == "AS304" for f in result.findings), "the app is still listed"
    assert any(f.rule_id == "AS304" and f.severity in _MEDIUM_PLUS for f in result.findings) is reported
