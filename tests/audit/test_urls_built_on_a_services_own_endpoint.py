"""A URL a service's client builds on its configured endpoint goes to that service, whatever request data fills its
path or query string: the authorization URL of an OAuth client (httpx-oauth's ``get_authorization_url``,
requests-oauthlib's ``authorization_url``, Authlib's ``create_authorization_url``) and the signed URL of an object
store (boto3's ``generate_presigned_url``, MinIO's ``presigned_get_object``, Google Cloud Storage's
``generate_signed_url``), also when a helper of the project builds it. No open redirect (AS807), no server-side
request forgery (AS805) to be had from them; a URL the client chose still is one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_APP = """\
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

from .oauth import client

app = FastAPI()


def sign_download(key):
    return client.generate_presigned_url(ClientMethod="get_object", Params={{"Bucket": "files", "Key": key}})


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
    "    url = client.generate_presigned_url('get_object', Params={'Key': request.query_params['key']})",
    "    url = client.presigned_get_object('files', request.query_params['key'])",
    "    url = client.blob(request.query_params['key']).generate_signed_url(expiration=60)",
    "    url = sign_download(request.query_params['key'])",
])
def test_a_url_built_on_a_services_own_endpoint_is_no_open_redirect(tmp_path: Path, build: str) -> None:
    files = {"app/__init__.py": "", "app/oauth.py": "client = None\n", "app/main.py": _APP.format(build=build)}
    assert lines_of(audit(tmp_path, files), "AS807") == []


@pytest.mark.parametrize("build", [
    "    url = request.query_params['next']",
    "    url = client.normalise(request.query_params['next'])",
])
def test_a_url_the_client_chose_is_still_an_open_redirect(tmp_path: Path, build: str) -> None:
    files = {"app/__init__.py": "", "app/oauth.py": "client = None\n", "app/main.py": _APP.format(build=build)}
    assert lines_of(audit(tmp_path, files), "AS807") == [17]


_FETCH = """\
import requests
from flask import Flask, request

from .store import s3

app = Flask(__name__)


@app.get("/mirror")
def mirror():
    url = {build}
    return requests.get(url, timeout=5).content
"""


def test_fetching_an_object_stores_signed_url_is_no_ssrf(tmp_path: Path) -> None:
    build = "s3.generate_presigned_url('get_object', Params={'Key': request.args['key']})"
    files = {"app/__init__.py": "", "app/store.py": "s3 = None\n", "app/main.py": _FETCH.format(build=build)}
    assert lines_of(audit(tmp_path, files), "AS805") == []


def test_fetching_a_url_the_client_chose_is_ssrf(tmp_path: Path) -> None:
    main = _FETCH.format(build="request.args['u']")
    files = {"app/__init__.py": "", "app/store.py": "s3 = None\n", "app/main.py": main}
    assert lines_of(audit(tmp_path, files), "AS805") == [12]


_SIGN_IN = """\
import flask

from .oauth import oauth

app = flask.Flask(__name__)


@app.route("/login/<provider>")
def login(provider):
    client = oauth.create_client(provider)
    redirect_uri = flask.request.args.get("callback", "/")
    return {answer}
"""


@pytest.mark.parametrize(("answer", "xss"), [
    ("client.authorize_redirect(redirect_uri)", []),
    ("'<a href=\"' + redirect_uri + '\">continue</a>'", [12]),
])
def test_a_redirect_to_the_identity_provider_is_no_reflected_markup(tmp_path: Path, answer: str,
                                                                     xss: list[int]) -> None:
    """Authlib's ``authorize_redirect`` answers a 302 to the provider: request text in its ``redirect_uri`` is no
    markup the browser renders; the same value written into an HTML answer still is."""
    files = {"app/__init__.py": "", "app/oauth.py": "oauth = None\n", "app/main.py": _SIGN_IN.format(answer=answer)}
    assert lines_of(audit(tmp_path, files), "AS404") == xss


_SAML = """\
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
{imports}

app = FastAPI()


@app.get("/saml/login")
def saml_login(request: Request, return_to: str = "/"):
    auth = make_auth(request)
    return RedirectResponse(url=auth.login(return_to=return_to))
"""


@pytest.mark.parametrize(("imports", "reported"), [
    ("from onelogin.saml2.auth import OneLogin_Saml2_Auth", False),  # must stay quiet: the IdP's configured SSO URL
    ("", True),  # must fire: an unknown .login() handed the caller's value may return it
])
def test_a_saml_login_redirects_to_the_identity_provider(tmp_path: Path, imports: str, reported: bool) -> None:
    """python3-saml's ``auth.login(return_to=...)`` answers the identity provider's single sign-on URL from the
    configured metadata, the caller's value carried only as its RelayState: no open redirect."""
    result = audit(tmp_path, {"app.py": _SAML.format(imports=imports)})
    assert bool(lines_of(result, "AS807")) is reported
