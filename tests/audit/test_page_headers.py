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
    {docs_body}


@app.get("/api/items/{{item_id}}")
def item(item_id: int):
    {item_body}
"""


_PLAIN_DOCS = 'return get_swagger_ui_html(openapi_url="/openapi.json", title="API")'
#: the generated page with an integrity attribute added to its script tag, returned as a new response
_EDITED_DOCS = """page = get_swagger_ui_html(openapi_url="/openapi.json", title="API")
    html = bytes(page.body).decode().replace('<script src="x.js"', '<script src="x.js" integrity="sha384-abc"')
    return HTMLResponse(html)"""


@pytest.mark.parametrize(("item_body", "docs_body", "reported"), [
    ("return HTMLResponse(f'<p>{load(item_id).name}</p>')", _PLAIN_DOCS, True),  # must fire: a handler builds a page
    ("return load(item_id).to_dict()", _PLAIN_DOCS, False),  # must stay quiet: the only HTML is the docs
    ("return load(item_id).to_dict()", _EDITED_DOCS, False),  # must stay quiet: still the generated docs page
])
def test_missing_security_headers_matter_when_a_handler_builds_a_page(tmp_path: Path, item_body: str, docs_body: str,
                                                                      reported: bool) -> None:
    result = audit(tmp_path, {"main.py": _DOCS_ONLY.format(item_body=item_body, docs_body=docs_body)})
    assert any(f.rule_id == "AS304" for f in result.findings), "the app is still listed"
    assert any(f.rule_id == "AS304" and f.severity in _MEDIUM_PLUS for f in result.findings) is reported


_BEARER_PAGE = """\
from fastapi import Depends, FastAPI, Response
from fastapi.responses import HTMLResponse
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
bearer = OAuth2PasswordBearer(tokenUrl="/token")


def current_admin(token: str = Depends(bearer)):
    return check(token)


@app.post("/preview/{{email}}", response_class=HTMLResponse, dependencies=[{guard}])
def preview(email: str):
    return HTMLResponse(content=render_mail(email))


@app.post("/token")
def token(response: Response):
    {token_body}
"""


@pytest.mark.parametrize(("guard", "token_body", "reported"), [
    # must fire: the page is public, or the app gives the browser a cookie it sends by itself
    ("Depends(lambda: None)", "return {'access_token': issue()}", True),
    ("Depends(current_admin)", "response.set_cookie('session', issue(), httponly=True)", True),
    # must stay quiet: the only page needs a bearer token and the browser holds no cookie of the app
    ("Depends(current_admin)", "return {'access_token': issue()}", False),
    # a database session's get() is no browser session
    ("Depends(current_admin)", "return {'access_token': issue(session.get(User, 1))}", False),
    ("Depends(current_admin)", "return {'access_token': issue(session.get('user'))}", True),
])
def test_pages_behind_a_bearer_token_need_the_headers_only_when_cookies_ride_along(
        tmp_path: Path, guard: str, token_body: str, reported: bool) -> None:
    result = audit(tmp_path, {"main.py": _BEARER_PAGE.format(guard=guard, token_body=token_body)})
    assert any(f.rule_id == "AS304" for f in result.findings), "the app is still listed"
    assert any(f.rule_id == "AS304" and f.severity in _MEDIUM_PLUS for f in result.findings) is reported
