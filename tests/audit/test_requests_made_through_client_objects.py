"""An HTTP client object's request methods fetch the URL they are given, as the module-level functions do: a
client's URL reaching ``requests.Session().get(url)``, ``session.get(url)`` on a local session, a module's
``http = httpx.Client()``, a ``with httpx.Client() as client`` block's client or ``requests.Session().post(url)`` is
SSRF (AS805). A local named ``session`` that holds an HTTP client is not the framework's session; a client fetching
a fixed URL, one of unknown origin (mostly the operator's configuration), or one a helper is handed, is not reported
at medium."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''import httpx
import requests
from flask import Flask, request

app = Flask(__name__)
http = httpx.Client()


@app.route("/import", methods=["POST"])
def import_url():
    url = request.form["url"]
{body}
'''


@pytest.mark.parametrize(("body", "reported"), [
    ("    session = requests.Session()\n    return session.get(url).text", True),
    ("    return http.get(url).text", True),
    ("    return requests.Session().post(url).text", True),
    ("    with httpx.Client() as client:\n        return client.get(url).text", True),
    ("    session = requests.Session()\n    return session.get('https://example.org/feed').text", False),
    ("    with httpx.Client() as client:\n        return client.get(load_feed_url()).text", False),
    # a helper's client request is left to the helper (most build the URL around a fixed or configured host)
    ("    return fetch(url)\n\n\ndef fetch(address):\n    return requests.Session().get(address).text", False),
])
def test_requests_through_http_client_objects(tmp_path: Path, body: str, reported: bool) -> None:
    found = [f for f in audit(tmp_path, {"app.py": APP.format(body=body)}).findings
             if f.rule_id == "AS805" and f.severity.name in {"HIGH", "CRITICAL"}]
    assert bool(found) is reported
