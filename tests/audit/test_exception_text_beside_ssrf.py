"""Exception text returned by a handler whose outbound call is already an SSRF finding (AS805) is that fetch's
error, a detail of the SSRF: AS307 is low there; the same text returned by a handler that fetches a fixed URL
stays medium."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit


@pytest.mark.parametrize(("url", "medium"), [
    ("request.args['url']", False),
    ("'https://status.example.org/health'", True),
])
def test_exception_text_of_an_ssrf_fetch_is_low(tmp_path: Path, url: str, medium: bool) -> None:
    source = ("import requests\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n"
              "@app.route('/fetch')\ndef fetch():\n    try:\n"
              f"        return requests.get({url}, timeout=5).text\n"
              "    except requests.RequestException as e:\n        return str(e), 502\n")
    result = audit(tmp_path, {"app.py": source})
    severities = [f.severity for f in result.findings if f.rule_id == "AS307"]
    assert severities
    assert (Severity.MEDIUM in severities) is medium
