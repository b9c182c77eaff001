"""A URL that starts with a configured base URL and a literal path (``f"{settings.ROOT_URL}/done?x={x}"``,
``app.config['API'] + '/v1/' + name``, a base chosen from a table of configured ones, or a local name set from the
configuration) goes to the site the deployment
chose, whatever request data fills its path or query: no open redirect (AS807), no server-side request forgery
(AS805). Starlette's ``request.url_for(...)`` is a route of the app itself. A configured base followed directly by
request data (``f"{settings.ROOT_URL}{next}"``: ``@evil.example`` would change the host) still is one, as is a URL
the client chose."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_APP = """\
import requests
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

from .config import settings

app = FastAPI()


@app.get("/done")
async def done(request: Request, code: str):
{build}
    requests.post(url=target, data={{"code": code}}, timeout=5)
    return RedirectResponse(target)
"""


@pytest.mark.parametrize(("build", "reported"), [
    ('    target = f"{settings.ROOT_URL}/create-password?code={code}"', False),  # must stay quiet
    ('    root = settings.ROOT_URL\n    target = f"{root}/verify?code={code}"', False),  # through a local name
    ('    target = settings.ROOT_URL + "/verify/" + code', False),
    ('    target = str(request.url_for("done")) + "?code=" + code', False),  # a route of the app itself
    # a table of configured bases, one chosen by a key: every base is the deployment's
    ('    root = {"a": settings.A_URL, "b": settings.B_URL}[code[:1]]\n    target = f"{root}/items/{code}"', False),
    # must fire: one entry of the table is the client's
    ('    root = {"a": settings.A_URL, "b": code}[code[:1]]\n    target = f"{root}/items/{code}"', True),
    ('    target = f"{settings.ROOT_URL}{code}"', True),  # must fire: request data right after the base
    ("    target = code", True),  # the client's own URL
])
def test_a_url_on_a_configured_base(tmp_path: Path, build: str, reported: bool) -> None:
    files = {"app/__init__.py": "", "app/config.py": "settings = None\n", "app/main.py": _APP.format(build=build)}
    result = audit(tmp_path, files)
    assert bool(lines_of(result, "AS807")) is reported
    if "url_for" not in build:
        assert bool(lines_of(result, "AS805")) is reported
