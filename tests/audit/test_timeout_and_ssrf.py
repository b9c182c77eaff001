"""A missing timeout (AS309) is medium only where the blocking call stalls an event loop (``async def``); in a sync
handler a hung upstream holds one worker (robustness, low), and a URL the caller chooses is reported as SSRF (AS805)."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit


@pytest.mark.parametrize(("url", "kind", "medium"), [("request.args['url']", "def", False),
                                                     ("settings_url()", "def", False),
                                                     ("settings_url()", "async def", True)])
def test_a_missing_timeout_is_medium_only_where_it_stalls_an_event_loop(tmp_path: Path, url: str, kind: str,
                                                                        medium: bool) -> None:
    source = ("import requests\nfrom flask import Flask, request\nfrom config import settings_url\n"
              f"app = Flask(__name__)\n@app.route('/fetch')\n{kind} fetch():\n"
              f"    return requests.get({url}).text\n")
    result = audit(tmp_path, {"app.py": source, "config.py": "import os\ndef settings_url():\n"
                              "    return os.environ['UPSTREAM']\n"})
    timeouts = [f for f in result.findings if f.rule_id == "AS309" and f.severity >= Severity.MEDIUM]
    assert bool(timeouts) is medium


def test_a_blocking_call_without_timeout_in_an_async_handler_stays_medium(tmp_path: Path) -> None:
    """In an ``async def`` the blocking call stalls the event loop, every request with it: not the SSRF's finding."""
    source = ("import requests\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get('/fetch')\n"
              "async def fetch(url: str):\n    return requests.get(url).text\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS309" and f.severity >= Severity.MEDIUM for f in result.findings)


_TOKEN_EXCHANGE = """\
import json
import urllib.parse
import urllib.request

from flask import Flask, request

app = Flask(__name__)
TOKEN_URL = "https://id.example.org/token"


def exchange(code, where):
    body = urllib.parse.urlencode({{"code": code}}).encode()
    req = urllib.request.Request({url}, data=body, headers={{"X-Code": code}}, method="POST")
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


@app.route("/callback")
def callback():
    return exchange(request.args["code"], request.args.get("where", ""))
"""


@pytest.mark.parametrize(("url", "reported"), [
    ("TOKEN_URL", False),  # must stay quiet: the caller's value travels in the body and a header only
    ("where", True),  # must fire: the caller chooses the URL the request object is built for
])
def test_a_request_object_is_judged_on_its_url_not_on_what_it_carries(tmp_path: Path, url: str,
                                                                      reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _TOKEN_EXCHANGE.format(url=url)})
    found = [f for f in result.findings if f.rule_id == "AS805" and f.severity >= Severity.MEDIUM]
    assert bool(found) is reported
