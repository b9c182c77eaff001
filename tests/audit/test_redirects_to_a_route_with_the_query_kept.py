"""A redirect to one of the application's own routes that carries the request's query along
(``RedirectResponse(request.url_for("packages").include_query_params(**request.query_params))``) leads to a page of
this application: no open redirect (AS807), and the splat of the query into a URL's query is no mass assignment
(AS106). A target the client names is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/package/")
async def packages_redir(request: Request):
    return RedirectResponse({target})


@app.get("/packages/", name="packages")
async def packages(request: Request):
    return {{"packages": []}}
'''


@pytest.mark.parametrize(("target", "reported"), [
    ('request.url_for("packages").include_query_params(**request.query_params)', False),
    ('request.url_for("packages").replace_query_params(**request.query_params)', False),
    ('request.query_params["next"]', True),
])
def test_a_route_with_the_query_kept_is_no_open_redirect(tmp_path: Path, target: str, reported: bool) -> None:
    findings = audit(tmp_path, {"app.py": APP.format(target=target)}).findings
    assert any(f.rule_id == "AS807" and f.severity.name != "LOW" for f in findings) is reported
    assert not any(f.rule_id == "AS106" for f in findings)
