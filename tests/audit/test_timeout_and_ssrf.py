"""An outbound call whose URL the caller chooses is reported once, as SSRF (AS805); its missing timeout (AS309)
drops to low there, and stays medium where the URL comes from elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit


@pytest.mark.parametrize(("url", "medium"), [("request.args['url']", False), ("settings_url()", True)])
def test_a_missing_timeout_on_an_ssrf_call_is_not_a_second_medium_finding(tmp_path: Path, url: str,
                                                                          medium: bool) -> None:
    source = ("import requests\nfrom flask import Flask, request\nfrom config import settings_url\n"
              "app = Flask(__name__)\n@app.route('/fetch')\ndef fetch():\n"
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
