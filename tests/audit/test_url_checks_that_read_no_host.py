"""A function of the module named as a URL check (``is_safe_url(url)``) guards a request's destination only when
its body reads where the URL leads (its host or netloc, a list of allowed hosts, a prefix, another check); one that
only refuses a few schemes keeps the outbound request an SSRF finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """\
from urllib.parse import urlparse
from urllib.request import urlopen

from flask import Flask, request

app = Flask(__name__)
BLACKLIST = {{"file", "gopher"}}
ALLOWED_HOSTS = {{"api.example.com"}}


def is_safe_url(url):
{body}


@app.post("/preview")
def preview():
    url = request.form.get("url", "")
    if not is_safe_url(url):
        return "blocked", 400
    return urlopen(url).read()
"""


@pytest.mark.parametrize(("body", "fires"), [
    ("    scheme = urlparse(url).scheme\n    if scheme in BLACKLIST:\n        return False\n    return True", True),
    ("    return urlparse(url).hostname in ALLOWED_HOSTS", False),  # must stay quiet: the host is checked
    ("    parts = urlparse(url)\n    return parts.scheme == 'https' and parts.netloc == 'api.example.com'", False),
])
def test_a_url_check_that_reads_no_host_guards_nothing(tmp_path: Path, body: str, fires: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(body=body)})
    assert any(f.rule_id == "AS805" and f.confidence.name == "HIGH" for f in result.findings) is fires
