"""A redirect to the authorization URL an OAuth client builds (httpx-oauth's ``get_authorization_url``,
requests-oauthlib's ``authorization_url``, Authlib's ``create_authorization_url``) goes to the identity provider's
configured endpoint, whatever request data fills its query string: no open redirect (AS807). A redirect to a URL
the client chose still is one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_APP = """\
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

from .oauth import client

app = FastAPI()


@app.get("/authorize")
async def authorize(request: Request):
    callback = str(request.url_for("callback"))
{build}
    return RedirectResponse(url=url, status_code=302)
"""


@pytest.mark.parametrize("build", [
    "    url = await client.get_authorization_url(redirect_uri=callback, state=request.query_params['s'])",
    "    url, state = client.authorization_url(request.query_params['next'])",
    "    url = client.create_authorization_url(callback, state=request.query_params['s'])['url']",
])
def test_the_identity_providers_authorization_url_is_no_open_redirect(tmp_path: Path, build: str) -> None:
    files = {"app/__init__.py": "", "app/oauth.py": "client = None\n", "app/main.py": _APP.format(build=build)}
    assert lines_of(audit(tmp_path, files), "AS807") == []


@pytest.mark.parametrize("build", [
    "    url = request.query_params['next']",
    "    url = client.normalise(request.query_params['next'])",
])
def test_a_url_the_client_chose_is_still_an_open_redirect(tmp_path: Path, build: str) -> None:
    files = {"app/__init__.py": "", "app/oauth.py": "client = None\n", "app/main.py": _APP.format(build=build)}
    assert lines_of(audit(tmp_path, files), "AS807") == [13]
